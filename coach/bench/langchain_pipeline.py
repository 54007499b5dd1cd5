"""The plain LangChain retrieval pipeline the coach's search is measured against.

Same chunks (`chunk_note`), same MiniLM weights (the bundled local copy), a persistent
Chroma store through langchain-chroma, embeddings through langchain-huggingface.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from coach.knowledge.loader import KnowledgeBase
from coach.retrieval.chunking import chunk_note


class LangChainPipeline:
    """Build once, then `search(query, k)` returns the note ids of the k best notes."""

    def __init__(self, folder: Path) -> None:
        from langchain_chroma import Chroma
        from langchain_huggingface import HuggingFaceEmbeddings

        from coach.embeddings import model_path

        self.embeddings = HuggingFaceEmbeddings(
            model_name=model_path(), model_kwargs={"device": "cpu"},
            encode_kwargs={"normalize_embeddings": True})
        self.store: Any = Chroma(collection_name="langchain_notes",
                                 embedding_function=self.embeddings,
                                 persist_directory=str(folder),
                                 collection_metadata={"hnsw:space": "cosine"})

    def build(self, kb: KnowledgeBase) -> float:
        """Embed and store every chunk; returns seconds."""
        start = time.perf_counter()
        chunks = [c for note in kb.notes.values() for c in chunk_note(note)]
        for i in range(0, len(chunks), 128):
            batch = chunks[i: i + 128]
            self.store.add_texts([c.embed_text for c in batch],
                                 metadatas=[{"note_id": c.note_id} for c in batch],
                                 ids=[c.id for c in batch])
        return time.perf_counter() - start

    def search(self, query: str, k: int = 5) -> list[str]:
        """The k best notes, best chunk first (the same per-note rule as NoteIndex.search)."""
        docs = self.store.similarity_search(query, k=k * 4)
        notes: list[str] = []
        for doc in docs:
            note_id = doc.metadata["note_id"]
            if note_id not in notes:
                notes.append(note_id)
            if len(notes) >= k:
                break
        return notes


def available() -> str:
    """Empty when langchain-chroma and langchain-huggingface import, else the reason."""
    try:
        import langchain_chroma  # noqa: F401
        import langchain_huggingface  # noqa: F401
    except ImportError as exc:
        return f"{exc.name} is not installed — pip install -e '.[dev]'"
    return ""
