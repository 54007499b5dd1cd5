"""The notes' chunk vectors, built with the knowledge and shipped beside it.

Every chunk the search index holds is embedded once, when a note changes, into
`<knowledge>/note-vectors.npz` (the rubric vectors' format: float16, keyed by a hash of the
chunk's text, for one embedding model). Building an index reads a chunk's vector from the file
and embeds only chunks it does not hold (an edited note), so a fresh install has its index in
seconds instead of embedding every note (about 45 s on one core). Rounding to float16 leaves
the retrieval evaluation unchanged to the last digit. `coach knowledge check` reports a file
that no longer matches the notes; `coach knowledge build-vectors` rebuilds it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from coach.embeddings import MODEL_NAME, BankVectors, bank_digest, text_key
from coach.retrieval.chunking import chunk_note

if TYPE_CHECKING:
    from coach.embeddings import Embedder
    from coach.knowledge.loader import KnowledgeBase

NOTE_VECTORS_FILE = "note-vectors.npz"
BUILD_COMMAND = "coach knowledge build-vectors"


def note_vectors_path(root: Path) -> Path:
    return root / NOTE_VECTORS_FILE


def chunk_texts(kb: KnowledgeBase) -> list[str]:
    """The text embedded for every chunk of every note, each once, in note-id order."""
    texts = [c.embed_text for _, note in sorted(kb.notes.items()) for c in chunk_note(note)]
    return list(dict.fromkeys(texts))


@dataclass(frozen=True)
class NoteVectorsBuild:
    path: Path
    texts: int
    embedded: int
    """Chunks embedded now; the others kept their vector from the previous file."""


def build(kb: KnowledgeBase, root: Path, embedder: Embedder) -> NoteVectorsBuild:
    """Write the notes' chunk vectors; chunks already in the file keep their vector."""
    path = note_vectors_path(root)
    texts = chunk_texts(kb)
    keys = [text_key(t) for t in texts]
    kept = BankVectors(path, embedder.fingerprint).get_many(keys) if path.exists() else {}
    todo = [t for t, k in zip(texts, keys, strict=True) if k not in kept]
    vectors = dict(kept)
    if todo:
        vecs = embedder.encode_uncached(todo)
        vectors.update({text_key(t): v for t, v in zip(todo, vecs, strict=True)})
    BankVectors.write(path, vectors, embedder.fingerprint)
    return NoteVectorsBuild(path, len(keys), len(todo))


def note_vectors_problem(kb: KnowledgeBase, root: Path, model: str = MODEL_NAME) -> str | None:
    """One line when the shipped chunk vectors do not match the notes (missing, unreadable,
    stale or built with another model), naming the command that rebuilds them."""
    if not kb.notes:
        return None
    path = note_vectors_path(root)
    fix = f"run '{BUILD_COMMAND}' (index builds embed every note until then)"
    if not path.exists():
        return f"{path}: the notes' chunk vectors are missing — {fix}"
    stored = BankVectors.stored_digest(path)
    if stored is None:
        return f"{path}: the notes' chunk vectors cannot be read — {fix}"
    if stored[0] != model:
        return (f"{path}: the notes' chunk vectors were built with {stored[0]}, the search "
                f"uses {model} — {fix}")
    keys = {text_key(t) for t in chunk_texts(kb)}
    if stored[1] == bank_digest(list(keys), model):
        return None
    have = BankVectors(path, model).keys()
    return (f"{path}: the notes' chunk vectors are stale ({len(keys - have)} chunk(s) of the "
            f"notes not in the file, {len(have - keys)} no longer used) — {fix}")
