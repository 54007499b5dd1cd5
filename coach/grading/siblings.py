"""A definition borrowed from the sibling point: "Concept drift is a change in P(x) while the
relationship stays the same" is the rubric's data-drift point with the other name on it.

Two key points of one rubric often define the two concepts of a pair in parallel words (data
and concept drift, precision and recall). An answer that swaps the definitions uses every
word of both points, so coverage finds each point's window and neither the embeddings nor the
verifier see that the name in front is the other one. Here a sentence that names only the
point's concept is set against the point and against its parallel sibling (the point that
names only the other concept): when it repeats the sibling nearly word for word and the point
far less, it gives this concept the other's definition.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence

from coach.grading.conflicts import ROLE_STEMS
from coach.grading.text import content_stems

# Concepts of two words, read as one ("data (covariate) drift" -> "datadrift").
_PHRASES = [
    (re.compile(r"\b(?:data|covariate)\s*(?:\([^)]{0,24}\)\s*)?(?:drift|shift)\b", re.I),
     "datadrift"),
    (re.compile(r"\bconcept\s*(?:\([^)]{0,24}\)\s*)?(?:drift|shift)\b", re.I), "conceptdrift"),
]
_PAIRS = [*ROLE_STEMS, ("datadrift", "conceptdrift")]
_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n\s*\n")
# A sibling is parallel when the two points share this share of their words (Jaccard, names
# left out): data-drift and concept-drift share 0.22, bagging and boosting 0.125.
PARALLEL = 0.1
# The sentence must hold this share of the sibling's words, and this much more of them than of
# the point's own. No window of any model answer comes within 0.18 of the margin, no answer of
# the training sets within 0.30 (`tests/test_siblings.py` checks the model answers).
BORROWED = 0.75
MARGIN = 0.45


@functools.lru_cache(maxsize=1 << 12)
def _stems(text: str) -> frozenset[str]:
    """Content stems with two-word concepts joined. Cached: a rubric's points are read
    against every window of every answer."""
    for phrase, joined in _PHRASES:
        text = phrase.sub(joined, text)
    return frozenset(content_stems(text))


def _share(part: frozenset[str], whole: frozenset[str]) -> float:
    return len(part & whole) / max(1, len(whole))


def borrowed_definition(point: str, window: str, siblings: Sequence[str]) -> bool:
    """True when a sentence of the window names only the point's concept but says what its
    parallel sibling point says of the other concept, and much less of what the point says."""
    own = _stems(point)
    for a, b in _PAIRS:
        for this, other in ((a, b), (b, a)):
            if this not in own or other in own:
                continue
            mine = own - {a, b}
            parallel: list[frozenset[str]] = []
            for text in siblings:
                theirs = _stems(text)
                if other in theirs and this not in theirs:
                    rest = theirs - {a, b}
                    if len(mine & rest) / max(1, len(mine | rest)) >= PARALLEL:
                        parallel.append(rest)
            if not parallel:
                continue
            sentences = [_stems(sentence) for sentence in _SENTENCE.split(window)]
            named_here = any(this in said for said in sentences)
            for said in sentences:
                words = said - {a, b}
                if this in said and other not in said and any(
                        _borrows(words, rest, mine) for rest in parallel):
                    return True
                # The mirror: the point's own definition, under the other name, in a window
                # that never names this concept ("Boosting averages many deep, low-bias
                # trees ..." as the evidence for the bagging point).
                if not named_here and other in said and this not in said and any(
                        _borrows(words, mine, rest) for rest in parallel):
                    return True
    return False


def _borrows(said: frozenset[str], source: frozenset[str], instead: frozenset[str]) -> bool:
    """The sentence holds nearly all of `source`'s words, and far more than of `instead`'s."""
    share = _share(said, source)
    return share >= BORROWED and share - _share(said, instead) >= MARGIN
