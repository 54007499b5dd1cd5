"""Surface signs that a window says the opposite of a key point.

Three cheap checks that the verdict rule weighs with the verifier (their weights are fitted on
training data, evals/fit_verdicts.py): the window uses the paired opposite of a term of the
point and not the term itself ("more parameters" against "fewer parameters"); the point and
the window give numbers and none agree ("three gates" against "two gates"); one is negated
and the other is not.

And one the rule obeys outright: the window names both of two paired concepts the point
contrasts, but says of each what the point says of the other ("L1 adds squared weights, L2
absolute ones"; `reversed_roles`). Neither the embeddings nor the verifier see that
difference, since the words are the same.
"""

from __future__ import annotations

import re

from coach.grading.text import STOPWORDS, has_negation, stem, word_matches, words

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
# Paired concepts a key point contrasts, each with its own properties; an answer that swaps
# them uses every word of the point.
ROLE_PAIRS = [
    ("l1", "l2"), ("bias", "variance"), ("precision", "recall"), ("encoder", "decoder"),
    ("overfitting", "underfitting"), ("overfit", "underfit"), ("keys", "values"),
    ("supervised", "unsupervised"), ("rows", "columns"), ("mean", "median"),
    ("bagging", "boosting"), ("lstm", "gru"), ("ridge", "lasso"), ("micro", "macro"),
    ("mae", "mse"), ("mae", "rmse"), ("sigmoid", "softmax"), ("shadow", "canary"),
    ("pca", "lda"), ("etl", "elt"), ("generative", "discriminative"), ("global", "local"),
    ("parameter", "hyperparameter"), ("verification", "identification"), ("shap", "lime"),
    ("jailbreak", "injection"), ("pointwise", "pairwise"),
    ("gan", "vae"), ("rlhf", "dpo"), ("logistic", "svm"),
    ("hinge", "log"),
]
ROLE_STEMS = [(stem(a), stem(b)) for a, b in ROLE_PAIRS]
# Clause ends: what is said in a clause is said of the concept it names.
_CLAUSE = re.compile(r"([,;:()\n]|[.!?](?=\s|$)|—|–|\s-\s|"
                     r"\b(?:while|whereas|but|although|though|unlike|than|instead)\b)", re.I)
# A clause naming neither concept but opening with one of these goes on about the one before.
_CONTINUES = {"so", "which", "and", "thus", "hence", "it", "they", "this", "that", "making",
              "meaning", "giving", "like", "such"}
# ... and, after a comma, one opening on an article ("..., the share of positives caught").
_APPOSITION = {"the", "a", "an"}
# Spoken fillers: a clause of nothing else ("L2 is, uh, the absolute values") is passed over.
_FILLERS = {"uh", "um", "er", "erm", "hmm", "like", "so", "i", "think", "guess", "you",
            "basically", "actually"}
# Cross-matched properties needed to call the roles swapped: at least this many, and this many
# more than twice the matched ones. Chosen so that no 1-3 sentence window of any model answer
# in the bank is called swapped against its own key points (none is, of 2,894 points).
ROLE_SWAP_MIN = 3

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


def _role_stem(word: str) -> str:
    """A word's stem with a possessive 's dropped ("L1's gradient")."""
    w = word.lower().replace("’", "'")
    return stem(w[:-2] if w.endswith("'s") else w)


def _role_tokens(text: str) -> list[tuple[str, str]]:
    """(word, stem) pairs of a text."""
    return [(w, _role_stem(w)) for w in words(text)]


def _without_pairs(text: str, a: str, b: str) -> str:
    """The text with every mention of the two concepts named together ("precision, recall",
    "keys and values") replaced by "both": such a mention gives neither a role, but the rest
    of the text still may ("Queries, keys and values are projections; the output averages the
    values")."""
    found = [(m.start(), m.end(), _role_stem(m.group())) for m in word_matches(text)]
    masked: set[int] = set()
    for i, (_, _, si) in enumerate(found):
        if si not in (a, b):
            continue
        other = b if si == a else a
        for j in range(max(0, i - 2), min(len(found), i + 3)):
            if found[j][2] == other:
                masked |= {i, j}
    if not masked:
        return text
    pieces, at = [], 0
    for i in sorted(masked):  # one pass: a pasted wall of "L1 and L2" stays linear
        start, end, _ = found[i]
        pieces += [text[at:start], "both"]
        at = end
    return "".join([*pieces, text[at:]])


def _roles(text: str, a: str, b: str) -> dict[str, set[str]]:
    """The content stems said of each concept: those of a clause naming it alone (and of the
    clauses that go on about it), or, in a clause naming both, the words after each."""
    said: dict[str, set[str]] = {a: set(), b: set()}
    last: str | None = None
    heading: str | None = None  # notes: "MSE: quadratic, outliers dominate. cond. mean\n"
    pieces = _CLAUSE.split(text)  # clause, delimiter, clause, ...
    for i in range(0, len(pieces), 2):
        if i > 0 and pieces[i - 1] == "\n":
            heading = None
        toks = _role_tokens(pieces[i])
        if not toks:
            continue
        if all(w in _FILLERS for w, _ in toks):
            continue
        after_comma = i > 0 and pieces[i - 1] == ","
        continues = toks[0][0] in _CONTINUES or (after_comma and toks[0][0] in _APPOSITION)
        content = [(w, s) for w, s in toks
                   if w not in STOPWORDS and len(w) > 1 and s not in (a, b)]
        named = {s for _, s in toks} & {a, b}
        if len(named) == 2:
            segments: list[tuple[str, set[str]]] = []
            for w, s in toks:
                if s in (a, b):
                    segments.append((s, set()))
                elif segments and (w, s) in content:
                    segments[-1][1].add(s)
            if len(segments[0][1]) < 2:  # "recall and precision both ...": a shared mention
                last = None
                continue
            for term, got in segments:
                said[term] |= got
            last = segments[-1][0]
            continue
        if named:
            last = named.pop()
            heading = last if not content and i + 1 < len(pieces) and \
                pieces[i + 1] == ":" else None
        elif heading is not None:
            last = heading
        elif last is None or not continues:
            last = None
            continue
        said[last] |= {s for _, s in content}
    return said


def _traded(said: set[str], own: set[str], other: set[str]) -> bool:
    """A word the point says of a concept is said of the other one in the window, and its
    opposite of this one."""
    return any(x in other and x not in own and any(y in own and y not in other
                                                   for y in _PAIRS.get(x, ()))
               for x in said)


def reversed_roles(point: str, window: str) -> bool:
    """True when the window says of one of two paired concepts what the point says of it, but
    of the other: "L1 adds the squared weights and L2 the absolute ones" against the point "L2
    adds squared weights, L1 absolute weights", or "precision is TP/(TP+FN), recall
    TP/(TP+FP)" against "Precision is TP / (TP + FP)". Only the words the window says of one
    concept and not the other count, and the point's words of one concept and not the other
    (all its words when it opens on one and never names the other)."""
    all_p = {s for _, s in _role_tokens(point)}
    all_w = {s for _, s in _role_tokens(window)}
    for a, b in ROLE_STEMS:
        if not {a, b} <= all_w or not {a, b} & all_p:
            continue
        pt, wt = _without_pairs(point, a, b), _without_pairs(window, a, b)
        p_stems = [s for _, s in _role_tokens(pt)]
        w_stems = [s for _, s in _role_tokens(wt)]
        if not {a, b} <= set(w_stems) or not {a, b} & set(p_stems):
            continue
        if {a, b} <= set(p_stems):
            p = _roles(pt, a, b)
        else:  # a point that opens on one of them is about it: all it says is said of it
            one = a if a in p_stems else b
            content = [(w, s) for w, s in _role_tokens(pt) if w not in STOPWORDS]
            if not content or content[0][1] != one:
                continue
            p = {a: set(), b: set()}
            p[one] = {s for w, s in content if len(w) > 1 and s != one}
        w = _roles(wt, a, b)
        p_a, p_b = p[a] - p[b], p[b] - p[a]
        w_a, w_b = w[a] - w[b], w[b] - w[a]
        agree = len(p_a & w_a) + len(p_b & w_b)
        cross = len(p_a & w_b) + len(p_b & w_a)
        if cross >= ROLE_SWAP_MIN and cross >= 2 * agree + ROLE_SWAP_MIN:
            return True
        # Each concept given a word of the other and none of its own: a swap both ways ("L1 is
        # the sum of the squared weights, L2 the absolute values").
        if not agree and p_a & w_b and p_b & w_a:
            return True
        # A property and its opposite traded between the two ("MSE estimates the median, MAE
        # the mean" against "MSE is minimised by the conditional mean").
        if _traded(p_a, w[a], w[b]) or _traded(p_b, w[b], w[a]):
            return True
    return False
