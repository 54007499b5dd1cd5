"""The retrieval index: a real Chroma store on disk and the real embedding model."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from coach.knowledge.loader import load_knowledge
from coach.paths import REPO_ROOT
from coach.retrieval.index import NoteIndex

NOTES = ["bias-variance-tradeoff", "regularization", "cross-validation", "gradient-descent",
         "imbalanced-data", "roc-pr-auc", "attention-transformers", "feature-store",
         "model-monitoring", "rag-systems", "k-means-clustering", "star-method"]


def _copy_notes(dst: Path) -> Path:
    src = REPO_ROOT / "knowledge"
    dst.mkdir()
    shutil.copy(src / "topics.yaml", dst / "topics.yaml")
    for path in src.glob("*/*.md"):
        if path.stem in NOTES:
            (dst / path.parent.name).mkdir(exist_ok=True)
            shutil.copy(path, dst / path.parent.name / path.name)
    return dst


@pytest.fixture
def small_kb(tmp_path: Path) -> Path:
    """A copy of a dozen real notes, so edits and deletions do not touch the repository."""
    return _copy_notes(tmp_path / "knowledge")


@pytest.fixture(scope="module")
def built_index(tmp_path_factory: pytest.TempPathFactory, embedder,  # type: ignore[no-untyped-def]
                shipped_note_vectors) -> NoteIndex:
    """Built as the services build it, from the chunk vectors shipped with the notes (the
    build that embeds is test_incremental_build_edit_and_delete's)."""
    root = tmp_path_factory.mktemp("idx")
    index = NoteIndex(root / "index", embedder, shipped=shipped_note_vectors)
    index.build(load_knowledge(_copy_notes(root / "knowledge")))
    return index


def test_incremental_build_edit_and_delete(small_kb: Path, tmp_path: Path, embedder) -> None:  # type: ignore[no-untyped-def]
    index = NoteIndex(tmp_path / "index", embedder)
    first = index.build(load_knowledge(small_kb))
    assert first.embedded_notes == len(NOTES) and first.embedded_chunks > len(NOTES)
    chunks = index.count()

    second = index.build(load_knowledge(small_kb))
    assert second.embedded_notes == 0 and second.embedded_chunks == 0
    assert second.unchanged_notes == len(NOTES) and index.count() == chunks

    note = next(small_kb.glob("*/regularization.md"))
    note.write_text(note.read_text() + "\n## Extra\nZebra-striped penalty banana appendix.\n")
    third = index.build(load_knowledge(small_kb))
    assert third.embedded_notes == 1
    assert index.search("zebra striped banana appendix", 1)[0].note_id == "regularization"

    next(small_kb.glob("*/feature-store.md")).unlink()
    fourth = index.build(load_knowledge(small_kb))
    assert fourth.removed_notes == 1
    ids = {h.note_id for h in index.search("online and offline feature store skew", 10)}
    assert "feature-store" not in ids

    # A fresh process sees the persisted store, and --rebuild starts over.
    reopened = NoteIndex(tmp_path / "index", embedder)
    assert reopened.build(load_knowledge(small_kb)).embedded_notes == 0
    assert reopened.build(load_knowledge(small_kb), rebuild=True).embedded_notes == len(NOTES) - 1


@pytest.mark.parametrize("query,expected", [
    ("why does my validation loss go up while the training loss keeps going down",
     {"bias-variance-tradeoff", "regularization"}),
    ("how do I evaluate a model when only 1% of examples are fraud", {"imbalanced-data",
                                                                      "roc-pr-auc"}),
    ("what does the softmax over query key dot products do", {"attention-transformers"}),
    ("how do I pick the number of clusters", {"k-means-clustering"}),
    ("detect data drift after deployment", {"model-monitoring"}),
    ("ground an LLM's answers in company documents", {"rag-systems"}),
])
def test_search_finds_the_expected_note(built_index: NoteIndex, query: str,
                                        expected: set[str]) -> None:
    hits = built_index.search(query, 3)
    assert hits[0].note_id in expected, [h.note_id for h in hits]
    assert len({h.note_id for h in hits}) == len(hits)  # one hit per note
    assert all(-1.0 <= h.score <= 1.0 and h.heading and h.snippet for h in hits)


def test_exact_search_agrees_with_chroma_and_repeats(built_index: NoteIndex, embedder,  # type: ignore[no-untyped-def]
                                                     monkeypatch) -> None:
    """Small collections are scored exactly in memory; big ones go through Chroma's HNSW
    query. Both rank the same notes here, and the exact ranking repeats on a reopened index."""
    import coach.retrieval.index as index_module

    queries = ["how do I pick the number of clusters", "attention softmax scaling",
               "class imbalance metrics", "monitor drift in production"]
    exact = [built_index.search(q, 5) for q in queries]
    reopened = NoteIndex(built_index.path, embedder)
    assert [[(h.chunk_id, round(h.score, 6)) for h in r] for r in exact] == [
        [(h.chunk_id, round(h.score, 6)) for h in reopened.search(q, 5)] for q in queries]
    monkeypatch.setattr(index_module, "EXACT_MAX_CHUNKS", 0)
    fresh = NoteIndex(built_index.path, embedder)
    for q, ours in zip(queries, exact, strict=True):
        theirs = fresh.search(q, 5)
        assert [h.note_id for h in ours][:3] == [h.note_id for h in theirs][:3]
        assert ours[0].score == pytest.approx(theirs[0].score, abs=1e-4)
    scores = [h.score for h in exact[0]]
    assert scores == sorted(scores, reverse=True)


def test_chroma_default_embedding_function_never_runs(small_kb: Path, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                      embedder, shipped_note_vectors,
                                                      monkeypatch) -> None:
    import chromadb.utils.embedding_functions as efs

    def boom(*args: object, **kwargs: object) -> None:
        raise AssertionError("Chroma's default embedding function ran")

    monkeypatch.setattr(efs.DefaultEmbeddingFunction, "__call__", boom)
    index = NoteIndex(tmp_path / "index", embedder, shipped=shipped_note_vectors)
    index.build(load_knowledge(small_kb))
    assert index.search("gradient descent learning rate", 1)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.integration
def test_search_through_a_real_chroma_server(small_kb: Path, tmp_path: Path, embedder) -> None:  # type: ignore[no-untyped-def]
    chroma = Path(sys.executable).with_name("chroma")
    port = _free_port()
    proc = subprocess.Popen([str(chroma), "run", "--path", str(tmp_path / "server"), "--host",
                             "127.0.0.1", "--port", str(port)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 60
        while time.time() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.3)
        else:
            pytest.fail("the Chroma server did not start within 60 s")
        index = NoteIndex(tmp_path / "unused", embedder, url=f"http://127.0.0.1:{port}")
        report = index.build(load_knowledge(small_kb))
        assert report.embedded_notes == len(NOTES)
        assert index.search("how should I choose k in k-fold", 1)[0].note_id == "cross-validation"
        assert not (tmp_path / "unused").exists()  # nothing was written locally
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def test_unreachable_chroma_server_is_one_clear_error(tmp_path: Path, embedder) -> None:  # type: ignore[no-untyped-def]
    from coach.errors import CoachError

    index = NoteIndex(tmp_path / "i", embedder, url=f"http://127.0.0.1:{_free_port()}")
    with pytest.raises(CoachError, match=r"cannot reach the Chroma server.*COACH_CHROMA_URL"):
        index.count()
