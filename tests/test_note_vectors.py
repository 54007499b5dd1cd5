"""The notes' chunk vectors ship with the knowledge: an index builds from them, embeds only
notes edited since, finds what an embedded index finds, and a stale file is reported."""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from coach.embeddings import BankVectors, MiniLMEmbedder, text_key
from coach.knowledge.loader import load_knowledge
from coach.paths import REPO_ROOT, knowledge_dir
from coach.retrieval.chunking import chunk_note
from coach.retrieval.index import NoteIndex
from coach.retrieval.note_vectors import (
    build,
    chunk_texts,
    note_vectors_path,
    note_vectors_problem,
)

NOTES = ("algorithms/random-forests.md", "algorithms/gradient-boosting.md",
         "fundamentals/bias-variance-tradeoff.md")
ADDED = ("\n\n## A paragraph added after the vectors were built\n"
         "Shrinkage multiplies each new tree's contribution by a small learning rate, so more "
         "trees are needed but the ensemble overfits later.\n")


class CountingEmbedder:
    """The real embedder, recording every text the index embeds itself."""

    def __init__(self, inner: MiniLMEmbedder) -> None:
        self.inner = inner
        self.embedded: list[str] = []

    @property
    def fingerprint(self) -> str:
        return self.inner.fingerprint

    def encode(self, texts: Sequence[str], *, persist: bool = False) -> Any:
        return self.inner.encode(texts, persist=persist)

    def encode_uncached(self, texts: Sequence[str]) -> Any:
        self.embedded.extend(texts)
        return self.inner.encode_uncached(texts)


@pytest.fixture
def kdir(tmp_path: Path) -> Path:
    root = tmp_path / "knowledge"
    for rel in NOTES:
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(REPO_ROOT / "knowledge" / rel, root / rel)
    shutil.copy(REPO_ROOT / "knowledge" / "topics.yaml", root / "topics.yaml")
    return root


def test_the_shipped_note_vectors_are_current(kb, embedder: MiniLMEmbedder) -> None:  # type: ignore[no-untyped-def]
    """Fails when a note was edited without 'coach knowledge build-vectors'."""
    assert note_vectors_problem(kb, knowledge_dir()) is None
    texts = chunk_texts(kb)
    shipped = BankVectors(note_vectors_path(knowledge_dir()))
    assert shipped.keys() == {text_key(t) for t in texts}
    sample = texts[:: max(1, len(texts) // 12)]
    stored = shipped.get_many([text_key(t) for t in sample])
    for text, fresh in zip(sample, embedder.encode_uncached(sample), strict=True):
        # float16 rounding (2^-11 relative) plus float32 batching noise
        assert np.all(np.abs(stored[text_key(text)] - fresh) <= np.abs(fresh) * 2.0 ** -11
                      + 1e-6), text[:60]


def test_an_index_embeds_only_the_notes_edited_since_and_finds_the_same(
        kdir: Path, tmp_path: Path, embedder: MiniLMEmbedder) -> None:
    built = build(load_knowledge(kdir), kdir, embedder)
    assert built.embedded == built.texts > 0
    assert note_vectors_problem(load_knowledge(kdir), kdir) is None

    edited = kdir / NOTES[1]
    edited.write_text(edited.read_text() + ADDED)
    kb = load_knowledge(kdir)
    problem = note_vectors_problem(kb, kdir)
    assert problem is not None and "stale" in problem and "build-vectors" in problem

    counting = CountingEmbedder(embedder)
    shipped = NoteIndex(tmp_path / "shipped", counting,  # type: ignore[arg-type]
                        shipped=BankVectors(note_vectors_path(kdir)))
    report = shipped.build(kb)
    assert report.embedded_chunks == len(chunk_texts(kb))
    stored = {text_key(t) for t in chunk_texts(load_knowledge(kdir))} & BankVectors(
        note_vectors_path(kdir)).keys()
    new = [c.embed_text for c in chunk_note(kb.notes["gradient-boosting"])
           if text_key(c.embed_text) not in stored]
    assert new and counting.embedded == new  # only the edited section, nothing else

    embedded = NoteIndex(tmp_path / "embedded", embedder)
    embedded.build(kb)
    for query in ("why average many decorrelated trees", "what does a learning rate do in "
                  "boosting", "high variance model fits noise"):
        a, b = shipped.search(query, k=3), embedded.search(query, k=3)
        assert [h.chunk_id for h in a] == [h.chunk_id for h in b], query
        assert np.allclose([h.score for h in a], [h.score for h in b], atol=2e-3)


def test_missing_or_foreign_vectors_are_reported_and_never_used(
        kdir: Path, tmp_path: Path, embedder: MiniLMEmbedder) -> None:
    kb = load_knowledge(kdir)
    missing = note_vectors_problem(kb, kdir)
    assert missing is not None and "missing" in missing
    build(kb, kdir, embedder)
    foreign = kdir / "foreign.npz"
    vectors = BankVectors(note_vectors_path(kdir))
    BankVectors.write(foreign, vectors.get_many(sorted(vectors.keys())), model="another-model")
    shutil.copy(foreign, note_vectors_path(kdir))
    problem = note_vectors_problem(kb, kdir)
    assert problem is not None and "another-model" in problem

    counting = CountingEmbedder(embedder)
    NoteIndex(tmp_path / "index", counting,  # type: ignore[arg-type]
              shipped=BankVectors(note_vectors_path(kdir))).build(kb)
    assert sorted(counting.embedded) == sorted(chunk_texts(kb))
