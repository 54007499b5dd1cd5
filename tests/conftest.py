"""Shared fixtures: every test runs with COACH_HOME in a temporary folder."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from coach.paths import resolve_paths
from coach.services import Services, build_services
from coach.settings import load_settings


@pytest.fixture(autouse=True)
def coach_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point every path the coach uses at a fresh temporary folder."""
    for key in list(os.environ):
        if key.startswith("COACH_") or key in ("OPENAI_API_KEY", "OPENAI_BASE_URL"):
            monkeypatch.delenv(key, raising=False)
    home = tmp_path / "coach-home"
    monkeypatch.setenv("COACH_HOME", str(home))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    return home


@pytest.fixture(scope="session")
def embedder():  # type: ignore[no-untyped-def]
    from coach.embeddings import shared_embedder

    return shared_embedder()


@pytest.fixture(scope="session")
def kb():  # type: ignore[no-untyped-def]
    from coach.knowledge.loader import load_knowledge
    from coach.paths import knowledge_dir

    return load_knowledge(knowledge_dir())


@pytest.fixture(scope="session")
def grader(embedder):  # type: ignore[no-untyped-def]
    from coach.grading.grader import Grader

    return Grader(embedder)


@pytest.fixture(scope="session")
def shared_index_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One index of the real notes for the whole run; built on first use, then a no-op."""
    return tmp_path_factory.mktemp("shared-index") / "index"


@pytest.fixture
def services(coach_home: Path, embedder, kb, grader, shared_index_dir: Path) -> Iterator[Services]:  # type: ignore[no-untyped-def]
    """Services on the temporary home, sharing the loaded model, knowledge, grader and index."""
    from coach.retrieval.index import NoteIndex

    paths = resolve_paths()
    svc = build_services(load_settings(paths), paths)
    svc.set("embedder", embedder)
    svc.set("kb", kb)
    svc.set("grader", grader)
    svc.set("index", NoteIndex(shared_index_dir, embedder))
    yield svc
    if "repo" in svc._cache:
        svc.repo.db.close()
