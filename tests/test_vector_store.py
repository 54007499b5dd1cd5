"""Rubric vectors persist across processes; a broken cache file never breaks grading."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from coach.embeddings import MiniLMEmbedder, VectorStore
from coach.grading.grader import Grader
from coach.grading.rubric import rubric_for

TEXTS = ["Regularization adds a penalty on the weights to the loss.",
         "A validation set is held out to choose hyperparameters."]


@pytest.fixture
def stored(embedder: MiniLMEmbedder, tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "vectors.sqlite3"
    embedder.attach_store(VectorStore(path))
    yield path
    embedder.attach_store(None)


def test_persisted_vectors_are_reused_by_a_new_process_without_loading_the_model(
        embedder: MiniLMEmbedder, stored: Path) -> None:
    first = embedder.encode(TEXTS, persist=True)
    assert stored.exists()

    fresh = MiniLMEmbedder()  # as in a new process: nothing in memory, model not loaded
    fresh.attach_store(VectorStore(stored))
    again = fresh.encode(TEXTS, persist=True)
    assert not fresh.loaded
    np.testing.assert_allclose(again, first, atol=1e-6)


def test_answers_are_not_persisted(embedder: MiniLMEmbedder, stored: Path) -> None:
    embedder.encode(["an answer the candidate typed, kept only in memory"])
    assert len(VectorStore(stored)) == 0


def test_a_corrupt_cache_file_is_reported_and_grading_goes_on(
        embedder: MiniLMEmbedder, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "vectors.sqlite3"
    path.write_bytes(b"this is not a database" * 100)
    fresh = MiniLMEmbedder()
    fresh.attach_store(VectorStore(path))
    with caplog.at_level(logging.WARNING, logger="coach.embeddings"):
        got = fresh.encode(TEXTS, persist=True)
    np.testing.assert_allclose(got, embedder.encode_uncached(TEXTS), atol=1e-5)
    assert "vector cache" in caplog.text and "delete the file" in caplog.text
    assert path.read_bytes() == b"this is not a database" * 100


def test_batched_code_runs_give_the_same_grades(embedder: MiniLMEmbedder, kb) -> None:  # type: ignore[no-untyped-def]
    """warm_batch starts the sandbox runs early; the grades must not change."""
    coding = [q for q in kb.questions.values() if q.question.kind == "coding"][:3]
    pairs = []
    for q in coding:
        rubric = rubric_for(q.question)
        solution = q.question.reference_solution  # type: ignore[union-attr]
        broken = solution.replace("return", "return None and", 1)
        pairs += [(rubric, solution), (rubric, broken)]
    batched = Grader(embedder)
    batched.warm_batch(pairs)
    plain = Grader(embedder)
    passed = []
    for rubric, answer in pairs:
        a, b = batched.grade(rubric, answer), plain.grade(rubric, answer)
        assert a.code is not None and b.code is not None
        assert (a.code.passed, a.code.total, a.score) == (b.code.passed, b.code.total, b.score)
        passed.append(a.code.passed == a.code.total)
    assert batched.code_runs.pending == 0  # every prefetched run was used
    assert passed == [True, False] * len(coding)
