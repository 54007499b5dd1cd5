"""Does generated text give away the model answer? Word n-gram overlap, checked as it streams."""

from __future__ import annotations

import re
from collections.abc import Iterable

N = 5
_WORD = re.compile(r"[a-z0-9]+(?:['’][a-z]+)?")


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def ngrams(text: str, n: int = N) -> set[tuple[str, ...]]:
    ws = words(text)
    return {tuple(ws[i:i + n]) for i in range(len(ws) - n + 1)}


class LeakGuard:
    """N-grams of the secret texts, minus those the candidate may see anyway."""

    def __init__(self, secrets: Iterable[str], allowed: Iterable[str], n: int = N) -> None:
        self.n = n
        self.banned: set[tuple[str, ...]] = set()
        for text in secrets:
            self.banned |= ngrams(text, n)
        for text in allowed:
            self.banned -= ngrams(text, n)

    def leaks(self, text: str) -> list[str]:
        """The banned phrases that occur in text."""
        return [" ".join(g) for g in sorted(ngrams(text, self.n) & self.banned)]

    def safe_prefix(self, text: str) -> int:
        """How much of a growing text can be shown: all but the last n-1 words (they may yet
        start a banned phrase)."""
        spans = [m.start() for m in _WORD.finditer(text.lower())]
        hold = self.n - 1
        if len(spans) <= hold:
            return 0
        return spans[len(spans) - hold]
