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

from coach.embeddings import MODEL_NAME, refresh_vector_file, vector_file_problem
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
    embedded, _ = refresh_vector_file(path, texts, embedder)
    return NoteVectorsBuild(path, len(texts), embedded)


def note_vectors_problem(kb: KnowledgeBase, root: Path, model: str = MODEL_NAME) -> str | None:
    """One line when the shipped chunk vectors do not match the notes (missing, unreadable,
    stale or built with another model), naming the command that rebuilds them."""
    if not kb.notes:
        return None
    return vector_file_problem(
        note_vectors_path(root), chunk_texts(kb), model, what="the notes' chunk vectors",
        user="the search", unit="chunk(s) of the notes",
        fix=f"run '{BUILD_COMMAND}' (index builds embed every note until then)")
