"""A deterministic stand-in for the MiniLM embedder, for tests of an interview's flow.

A text's vector is the normalised sum of one fixed pseudo-random vector per content word
stem (seeded by a hash of the stem): texts sharing words are close, unrelated ones are
nearly orthogonal, and the same text always gets the same vector, in any process, without
loading a model. Grades made with it follow the words of the answer but not their meaning,
so only tests that check what happens (which line comes next, what is saved, what is shown
when) may use it; tests of grading quality and snapshots showing a score use the real model.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from functools import lru_cache

import numpy as np

from coach.embeddings import DIM
from coach.grading.text import STOPWORDS, stem, words


@lru_cache(maxsize=50_000)
def _token_vector(token: str) -> np.ndarray:
    seed = int.from_bytes(hashlib.blake2b(token.encode("utf-8", "surrogatepass"),
                                          digest_size=8).digest(), "little")
    vec = np.random.default_rng(seed).standard_normal(DIM).astype(np.float32)
    vec /= np.linalg.norm(vec)
    vec.setflags(write=False)
    return vec


def _tokens(text: str) -> list[str]:
    found = [stem(w) for w in words(text) if w not in STOPWORDS]
    # A text of stopwords or symbols only still gets a vector of its own.
    return found or [" ".join(text.lower().split()) or "<empty>"]


def text_vector(text: str) -> np.ndarray:
    vec = np.sum([_token_vector(t) for t in _tokens(text)], axis=0, dtype=np.float32)
    norm = float(np.linalg.norm(vec))
    return vec / norm if norm > 1e-9 else _token_vector(text)


class HashedWords:
    """Word vectors of the same kind: one pseudo-random vector per stem."""

    def vectors(self, words: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(words), DIM), dtype=np.float32)
        for i, word in enumerate(words):
            out[i] = _token_vector(stem(word))
        return out

    def clear(self) -> None:
        """Nothing to forget: the vectors are computed, not stored."""


class HashedEmbedder:
    """Implements coach.embeddings.Embedder; `texts` counts the texts it was asked for."""

    def __init__(self) -> None:
        self.texts = 0

    @property
    def fingerprint(self) -> str:
        return "hashed-word-stems-test"

    def load(self) -> None:
        """No model to load."""

    def encode(self, texts: Sequence[str], *, persist: bool = False) -> np.ndarray:
        return self.encode_uncached(texts)

    def encode_uncached(self, texts: Sequence[str]) -> np.ndarray:
        self.texts += len(texts)
        out = np.zeros((len(texts), DIM), dtype=np.float32)
        for i, text in enumerate(texts):
            out[i] = text_vector(text)
        return out

    def clear_cache(self) -> None:
        """Nothing cached."""

    def word_vectors(self) -> HashedWords:
        return HashedWords()
