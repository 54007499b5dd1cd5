"""A point said the other way round: "Adding trees does increase overfitting" against the
rubric's "Adding trees does not increase overfitting".

The window repeats a clause of the point word for word, with a negation added or taken away.
Every word of the point is there, so coverage finds the window, and the offline verifier
reads such a pair no better than chance (it gave the right and the negated clause above the
same "contradicts"). Only that exact shape is read here: a clause of the window that holds
nearly all of the point clause's words and nothing else, with the opposite polarity, while no
clause of the window agrees with it. Anything looser (a paraphrase, a negation whose scope is
another part of the sentence) is left to the other readings: bag-of-words polarity fires on
right answers as soon as the words around the negation differ.
"""

from __future__ import annotations

import functools
import re

from coach.grading.text import STOPWORDS, is_negation, stem, words

# Clause ends. A single line break is not one: model answers and pasted notes wrap lines
# inside sentences.
_CLAUSE = re.compile(r"([;:.!?()]|\n\s*\n|\n(?=\s*(?:[-*•]|\d+[.)])\s)|—|–|\s-\s|"
                     r"\b(?:while|whereas|but|although|though|unlike|rather\s+than|than|"
                     r"instead)\b)", re.I)
# What follows these up to the next comma is said not to hold ("rather than building one");
# after a plain "than" it is a comparison ("more dense than oil"), not a denial.
_NEGATING_OPENERS = {"rather than", "instead", "unlike"}
# A point clause needs this many content words to be read, the window clause this share of
# them and no word beyond them. Chosen so that no 1-3 sentence window of any model answer,
# no answer of the own training set and no correct SemEval-2013 training answer is read as
# the point negated (10 SemEval training answers are, all labelled contradictory).
MIN_WORDS = 3
SHARE = 0.9
# A window clause that holds this share of a point clause's words with the same polarity
# agrees with the point, and then nothing fires. Half was too little: "the test error rises as
# the number of trees grows" shares 60% of "the test error converges to a limit as the number
# of trees grows" and hid "Adding trees does increase overfitting" beside it.
AGREE = 0.75


@functools.lru_cache(maxsize=1 << 12)
def _clauses(text: str) -> tuple[tuple[bool, frozenset[str]], ...]:
    """(negated, content stems) of every clause, comma-separated pieces apart."""
    out = []
    pieces = _CLAUSE.split(text)  # clause, the end that opens the next one, clause, ...
    for i in range(0, len(pieces), 2):
        opener = " ".join(pieces[i - 1].lower().split()) if i else ""
        for j, piece in enumerate(pieces[i].split(",")):
            ws = words(piece)
            if len(ws) > 1 and ws[0] in ("no", "yes") and any(is_negation(w) for w in ws[1:]):
                ws = ws[1:]  # "No, the cookies are not pure sugar": a reply, not a negation
            negated = sum(is_negation(w) for w in ws) % 2 == 1
            if opener in _NEGATING_OPENERS and j == 0:
                negated = not negated
            stems = frozenset(stem(w) for w in ws if w not in STOPWORDS and not is_negation(w))
            if stems:
                out.append((negated, stems))
    return tuple(out)


def negated_point(point: str, window: str) -> bool:
    """True when the window says a clause of the point with the opposite polarity, in the
    point's own words, and agrees with none of the point's clauses."""
    flipped = agreed = 0
    window_clauses = _clauses(window)
    for negated, stems in _clauses(point):
        if len(stems) < MIN_WORDS:
            continue
        same = max((len(stems & w) / len(stems) for n, w in window_clauses if n == negated),
                   default=0.0)
        other = max((len(stems & w) / len(stems) for n, w in window_clauses
                     if n != negated and w <= stems), default=0.0)
        if other >= SHARE and other > same:
            flipped += 1
        elif same >= AGREE:
            agreed += 1
    return flipped > 0 and agreed == 0
