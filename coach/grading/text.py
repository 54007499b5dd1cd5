"""Text utilities for grading: cleaning, sentence units, content words, light stemming."""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass

STOPWORDS = frozenset(
    """a an the and or but if then else of to in on at by for with about against between into
    through during before after above below from up down out off over under again further once
    here there when where why how all any both each few more most other some such no nor not
    only own same so than too very can will just should now is are was were be been being have
    has had having do does did doing i me my we our you your he him his she her it its they them
    their what which who whom this that these those am would could might must shall may also
    as because while until although though since unless whether either neither yet per via
    etc e.g i.e get gets got use used using one two make makes made way thing things like
    really basically actually kind sort lot lots much many well just""".split()
)
NEGATIONS = frozenset(
    "not no never none nothing neither nor cannot can't won't don't doesn't didn't isn't "
    "aren't wasn't weren't shouldn't wouldn't couldn't without hardly rarely".split()
)
_WORD = re.compile(r"[a-z0-9]+(?:['’][a-z]+)?", re.IGNORECASE)
_SENT_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(\[])|\n\s*\n|\n(?=\s*(?:[-*•]|\d+[.)])\s)")
_CLAUSE = re.compile(r";\s+|,\s+(?:but|and|so|because|while|whereas|which)\s+|\s+-{1,2}\s+|—")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200f\u2028\u2029\ufeff]")


def clean(text: str) -> str:
    """Normalise Unicode, drop control characters, collapse runs of spaces."""
    text = unicodedata.normalize("NFKC", text)
    text = text.encode("utf-8", "replace").decode("utf-8")
    text = _CONTROL.sub(" ", text)
    return re.sub(r"[ \t]+", " ", text).strip()


@dataclass(frozen=True)
class Unit:
    """A sentence or clause of an answer, with its exact span in the original text."""

    text: str
    start: int
    end: int


def split_units(text: str, *, clause_words: int = 28) -> list[Unit]:
    """Sentences of text, long ones further split into clauses; spans index into text."""
    units: list[Unit] = []
    pos = 0
    pieces: list[tuple[int, int]] = []
    for match in _SENT_END.finditer(text):
        pieces.append((pos, match.start()))
        pos = match.end()
    pieces.append((pos, len(text)))
    for start, end in pieces:
        seg = text[start:end]
        if not seg.strip():
            continue
        if len(seg.split()) > clause_words:
            sub = 0
            for cm in _CLAUSE.finditer(seg):
                _add(units, text, start + sub, start + cm.start())
                sub = cm.end()
            _add(units, text, start + sub, end)
        else:
            _add(units, text, start, end)
    return units


def _add(units: list[Unit], text: str, start: int, end: int) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end - start >= 2 and re.search(r"[A-Za-z0-9]", text[start:end]):
        units.append(Unit(text[start:end], start, end))


def word_matches(text: str) -> Iterator[re.Match[str]]:
    """The words of `words`, as matches: where each one stands in the text."""
    return _WORD.finditer(text)


def words(text: str) -> list[str]:
    return list(_words(text))


@functools.lru_cache(maxsize=1 << 14)
def _words(text: str) -> tuple[str, ...]:
    # Cached: grading one answer splits the same references and units once per key point.
    return tuple(w.lower().replace("’", "'") for w in _WORD.findall(text))


@functools.lru_cache(maxsize=1 << 16)
def stem(word: str) -> str:
    """A small suffix stripper: enough to match 'regularizes' with 'regularization'.

    Cached: a batch of answers stems the same few thousand words over and over."""
    w = word.lower()
    if len(w) <= 3 or w.isdigit():
        return w
    for suffix in ("izations", "ization", "isation", "ational", "fulness", "iveness", "ements",
                   "ement", "ments", "ment", "ations", "ation", "ities", "ity", "ness", "ings",
                   "ing", "izes", "ized", "ize", "ises", "ised", "ise", "ies", "ied", "ers",
                   "er", "ed", "es", "ly", "al", "s"):
        if w.endswith(suffix) and len(w) - len(suffix) >= 3:
            w = w[: -len(suffix)]
            break
    if w.endswith("e") and len(w) > 4:
        w = w[:-1]
    return w


def content_stems(text: str) -> list[str]:
    return [stem(w) for w in words(text) if w not in STOPWORDS and len(w) > 1]


def is_negation(word: str) -> bool:
    """A lower-case word that negates ("not", "never", "doesn't")."""
    return word in NEGATIONS or word.endswith("n't")


def has_negation(text: str) -> bool:
    return any(is_negation(w) for w in words(text))


def letter_ratio(text: str) -> float:
    if not text:
        return 0.0
    return sum(ch.isalpha() for ch in text) / len(text)
