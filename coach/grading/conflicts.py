"""Surface signs that a window says the opposite of a key point.

Three cheap checks that the verdict rule weighs with the verifier (their weights are fitted on
training data, evals/fit_verdicts.py): the window uses the paired opposite of a term of the
point and not the term itself ("more parameters" against "fewer parameters"); the point and
the window give numbers and none agree ("three gates" against "two gates"); one is negated
and the other is not.
"""

from __future__ import annotations

import re

from coach.grading.text import has_negation, stem, words

# Paired opposites a wrong answer swaps (single words; both directions).
OPPOSITES = [
    ("increase", "decrease"), ("increases", "decreases"), ("higher", "lower"),
    ("more", "fewer"), ("more", "less"), ("larger", "smaller"), ("bigger", "smaller"),
    ("faster", "slower"), ("always", "never"), ("before", "after"), ("above", "below"),
    ("maximize", "minimize"), ("overfitting", "underfitting"), ("overfit", "underfit"),
    ("bias", "variance"), ("precision", "recall"), ("l1", "l2"), ("encoder", "decoder"),
    ("positive", "negative"), ("supervised", "unsupervised"), ("sparse", "dense"),
    ("shrinks", "grows"), ("linear", "quadratic"), ("rows", "columns"), ("mean", "median"),
    ("local", "global"), ("independent", "dependent"), ("parallel", "sequential"),
    ("stable", "unstable"), ("same", "different"), ("shorter", "longer"),
    ("cheaper", "costlier"), ("easier", "harder"), ("keys", "values"), ("lowers", "raises"),
    ("better", "worse"), ("without", "with"), ("convex", "nonconvex"), ("biased", "unbiased"),
    ("online", "offline"), ("majority", "minority"), ("separate", "merged"),
    ("separate", "shared"), ("separate", "single"), ("reduces", "increases"),
]
_PAIRS: dict[str, set[str]] = {}
for _a, _b in OPPOSITES:
    _PAIRS.setdefault(stem(_a), set()).add(stem(_b))
    _PAIRS.setdefault(stem(_b), set()).add(stem(_a))
_NUMBER_WORDS = {"zero": "0", "one": "1", "two": "2", "three": "3", "four": "4", "five": "5",
                 "six": "6", "seven": "7", "eight": "8", "nine": "9", "ten": "10",
                 "half": "0.5", "twice": "2", "double": "2", "single": "1"}
_NUMBER = re.compile(r"(?<![\w.])\d+(?:\.\d+)?(?![\w.])")
FEATURES = ("swap", "number", "negation")


def _stems(text: str) -> set[str]:
    return {stem(w) for w in words(text)}


def _numbers(text: str) -> set[str]:
    found = set(_NUMBER.findall(text))
    return found | {_NUMBER_WORDS[w] for w in words(text) if w in _NUMBER_WORDS}


def conflict_features(point: str, window: str) -> tuple[float, float, float]:
    """(swap, number, negation): 1.0 where the window shows that sign of contradiction."""
    p, w = _stems(point), _stems(window)
    swap = any(c in w and t not in w for t in p for c in _PAIRS.get(t, ()))
    pn, wn = _numbers(point), _numbers(window)
    number = bool(pn and wn and not pn & wn)
    negation = has_negation(window) != has_negation(point)
    return float(swap), float(number), float(negation)
