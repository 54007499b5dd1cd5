"""A persistent Chroma collection of note chunks, embedded with the bundled MiniLM."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from coach.embeddings import DIM, BankVectors, Embedder, text_key
from coach.errors import CoachError
from coach.knowledge.loader import KnowledgeBase
from coach.retrieval.chunking import Chunk, chunk_note, note_hash

log = logging.getLogger(__name__)
COLLECTION = "coach_notes"
# Up to this many chunks, searches score every chunk exactly against an in-memory copy of the
# collection's vectors (a 668 x 384 matrix product takes well under a millisecond) instead of
# asking Chroma's approximate HNSW graph: faster, and the ranking is exact and repeatable.
# Chroma stays the store of record; bigger collections are searched through it.
EXACT_MAX_CHUNKS = 50_000


@dataclass(frozen=True)
class BuildReport:
    embedded_notes: int
    embedded_chunks: int
    removed_notes: int
    unchanged_notes: int
    seconds: float


@dataclass(frozen=True)
class Hit:
    note_id: str
    title: str
    heading: str
    score: float
    snippet: str
    chunk_id: str

    def to_dict(self) -> dict[str, Any]:
        return {"note_id": self.note_id, "title": self.title, "heading": self.heading,
                "score": round(self.score, 4), "snippet": self.snippet, "chunk": self.chunk_id}


def _client(path: Path, url: str) -> Any:
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    if url:
        from urllib.parse import urlparse

        parsed = urlparse(url)
        try:
            client = chromadb.HttpClient(
                host=parsed.hostname or "127.0.0.1",
                port=parsed.port or (443 if parsed.scheme == "https" else 8000),
                ssl=parsed.scheme == "https", settings=chroma_settings,
            )
            client.heartbeat()
        except Exception as exc:
            raise CoachError(f"cannot reach the Chroma server at {url} ({type(exc).__name__}) "
                             "— start it or unset COACH_CHROMA_URL") from None
        return client
    path.mkdir(parents=True, exist_ok=True)
    try:
        return chromadb.PersistentClient(path=str(path), settings=chroma_settings)
    except Exception as exc:
        raise CoachError(f"cannot open the search index at {path} ({exc}) — run "
                         "'coach index build --rebuild'") from None


class NoteIndex:
    """Chunks of every note in Chroma; Chroma's own embedding function never runs."""

    def __init__(self, path: Path, embedder: Embedder, url: str = "",
                 shipped: BankVectors | None = None) -> None:
        self.path = path
        self.url = url
        self.embedder = embedder
        self.shipped = shipped
        """The chunk vectors shipped with the notes (`note_vectors.py`): a chunk found there
        is not embedded again."""
        self._client_obj: Any = None
        self._collection: Any = None
        self._count: int | None = None
        self._matrix: _Matrix | None = None

    @property
    def collection(self) -> Any:
        if self._collection is None:
            self._client_obj = _client(self.path, self.url)
            self._collection = self._client_obj.get_or_create_collection(
                COLLECTION, embedding_function=None, metadata={"hnsw:space": "cosine"}
            )
        return self._collection

    def reset(self) -> None:
        self.collection  # noqa: B018 - opens the client
        try:
            self._client_obj.delete_collection(COLLECTION)
        except Exception:  # a missing collection is already reset
            log.debug("no collection to delete")
        self._collection = None
        self._count = None
        self._matrix = None

    def count(self) -> int:
        return int(self.collection.count())

    def _known_count(self) -> int:
        # Searches reuse the count from the last build or lookup: one round trip less per query.
        if self._count is None:
            self._count = self.count()
        return self._count

    def indexed_hashes(self) -> dict[str, str]:
        got = self.collection.get(include=["metadatas"])
        return {m["note_id"]: m["note_hash"] for m in got["metadatas"] or []}

    def build(
        self, kb: KnowledgeBase, *, rebuild: bool = False,
        progress: Callable[[int, int], None] | None = None,
    ) -> BuildReport:
        """Embed notes whose content changed, drop chunks of deleted notes."""
        import time

        start = time.perf_counter()
        self._count = None
        self._matrix = None
        if rebuild:
            self.reset()
        known = self.indexed_hashes()
        fingerprint = self.embedder.fingerprint
        changed = [n for n in kb.notes.values() if known.get(n.id) != note_hash(n, fingerprint)]
        removed = [nid for nid in known if nid not in kb.notes]
        col = self.collection
        for nid in removed + [n.id for n in changed if n.id in known]:
            col.delete(where={"note_id": nid})
        chunks_done = 0
        batch: list[tuple[Chunk, str, str]] = []
        for i, note in enumerate(changed):
            h = note_hash(note, fingerprint)
            batch.extend((c, h, note.title) for c in chunk_note(note))
            if len(batch) >= 128 or i == len(changed) - 1:
                self._add(batch)
                chunks_done += len(batch)
                batch = []
            if progress:
                progress(i + 1, len(changed))
        self._count = None
        self._matrix = None
        return BuildReport(len(changed), chunks_done, len(removed),
                           len(kb.notes) - len(changed), time.perf_counter() - start)

    def _add(self, batch: Sequence[tuple[Chunk, str, str]]) -> None:
        if not batch:
            return
        texts = [c.embed_text for c, _, _ in batch]
        keys = [text_key(t) for t in texts]
        shipped: dict[str, Any] = {}
        if self.shipped is not None and self.shipped.model == self.embedder.fingerprint:
            shipped = self.shipped.get_many(keys)  # they serve only the model they came from
        todo = [t for t, k in zip(texts, keys, strict=True) if k not in shipped]
        fresh = dict(zip(todo, self.embedder.encode_uncached(todo), strict=True)) if todo else {}
        vectors = [shipped[k] if k in shipped else fresh[t]
                   for t, k in zip(texts, keys, strict=True)]
        self.collection.add(
            ids=[c.id for c, _, _ in batch],
            embeddings=[v.tolist() for v in vectors],
            documents=[c.text for c, _, _ in batch],
            metadatas=[{"note_id": c.note_id, "heading": c.heading, "note_hash": h,
                        "title": title} for c, h, title in batch],
        )

    def search(self, query: str, k: int = 5, *, per_note: bool = True) -> list[Hit]:
        """Top-k hits; with per_note, the best chunk of each of the k best notes."""
        query = query.strip()
        if not query:
            return []
        vector = self.embedder.encode([query])[0]
        return self.search_vector(vector.tolist(), k, per_note=per_note)

    def search_vector(self, vector: list[float], k: int, *, per_note: bool = True) -> list[Hit]:
        total = self._known_count()
        if total == 0:
            return []
        n = min(total, k * 4 if per_note else k)
        if total <= EXACT_MAX_CHUNKS:
            ranked = self._exact(vector, n)
        else:
            res = self.collection.query(query_embeddings=[vector], n_results=n,
                                        include=["metadatas", "documents", "distances"])
            ranked = [(cid, meta, doc, 1.0 - float(dist)) for cid, meta, doc, dist in zip(
                res["ids"][0], res["metadatas"][0], res["documents"][0], res["distances"][0],
                strict=True)]
        hits: list[Hit] = []
        seen: set[str] = set()
        for cid, meta, doc, score in ranked:
            if per_note and meta["note_id"] in seen:
                continue
            seen.add(meta["note_id"])
            hits.append(Hit(meta["note_id"], meta.get("title", ""), meta["heading"],
                            score, _snippet(doc), cid))
            if len(hits) >= k:
                break
        return hits

    def _exact(self, vector: list[float], n: int) -> list[tuple[str, dict[str, Any], str, float]]:
        """The n chunks with the highest cosine similarity, scored exactly."""
        import numpy as np

        m = self._matrix
        if m is None:
            got = self.collection.get(include=["embeddings", "metadatas", "documents"])
            vecs = np.asarray(got["embeddings"], dtype=np.float32).reshape(-1, DIM)
            vecs /= np.linalg.norm(vecs, axis=1, keepdims=True) + 1e-12
            m = self._matrix = _Matrix(vecs, list(got["ids"]), list(got["metadatas"]),
                                       list(got["documents"]))
        if not m.ids:
            return []
        q = np.asarray(vector, dtype=np.float32)
        sims = m.vectors @ (q / (np.linalg.norm(q) + 1e-12))
        n = min(n, len(m.ids))
        top = np.argpartition(-sims, n - 1)[:n]
        # Ties broken by chunk id, so equal scores always rank the same way.
        order = sorted(top.tolist(), key=lambda i: (-float(sims[i]), m.ids[i]))
        return [(m.ids[i], m.metadatas[i], m.documents[i], float(sims[i])) for i in order]


@dataclass(frozen=True)
class _Matrix:
    """Every chunk's vector, id, metadata and text, loaded from the collection once."""

    vectors: Any
    ids: list[str]
    metadatas: list[dict[str, Any]]
    documents: list[str]


def _snippet(text: str, limit: int = 200) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rsplit(" ", 1)[0] + "…"
