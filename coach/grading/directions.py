"""Which way a quantity moves: "small k gives low bias" against "small k gives high bias".

A key point on a tradeoff says how a knob moves bias and variance (or precision and recall).
An answer that gets the directions backwards uses every word of the point, so neither the
embeddings nor the verifier see the difference. This reads each such statement as a
relation between a driver (the knob: "small k", "greater depth", "dropout") and an effect
("low bias", "variance rises"): the product of their directions, so "small k ... low bias" and
"large k ... raising bias" are the same relation, and "small k ... high bias" its opposite.
"""

from __future__ import annotations

import functools
import re

from coach.grading.text import STOPWORDS, is_negation, stem

# The quantities whose direction a tradeoff point states.
EFFECTS = frozenset(stem(w) for w in (
    "bias", "variance", "precision", "recall", "overfitting", "underfitting"))
# Direction words: +1 up, -1 down. A run of them multiplies ("less complex" is down).
_UP = """high higher highest large larger largest big bigger great greater more increase
increases increased increasing raise raises raised raising rise rises rising grow grows
growing deep deeper deepest complex""".split()
_DOWN = """low lower lowest lowers lowered lowering small smaller smallest less fewer decrease
decreases decreased decreasing reduce reduces reduced reducing drop drops dropping fall falls
falling shrink shrinks shrinking shallow shallower simple simpler""".split()
DIRECTION = {**{w: 1 for w in _UP}, **{w: -1 for w in _DOWN}}
# Between an effect and a direction that follows it ("variance is high").
_LINKS = {"is", "are", "was", "were", "be", "becomes", "become", "stays", "remains", "gets",
          "goes", "go", "going", "went", "comes", "come", "coming", "tends", "to"}
_ARTICLES = {"a", "an", "the"}
# Directions only after "goes" or "comes": "bias goes down", not "set up" or "up to".
_PHRASAL = {"up": 1, "down": -1}
# A statement ends at a sentence end, a semicolon or a contrast ("..., while large k ...").
_GROUP = re.compile(r"[.!?](?=\s|$)|[;\n]|\b(?:while|whereas|but|although|though|unlike)\b",
                    re.I)
_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)?|,", re.I)
# How far after an effect its knob may be named ("bias rises as the depth of the tree grows").
AFTER_WINDOW = 6
# Relations that disagree before the window is called backwards (and none may agree).
MIN_REVERSED = 2

Relations = dict[tuple[str, str], set[tuple[int, bool]]]
"""(knob, effect) -> each (direction, whether the knob's own direction was named) given."""
Driver = tuple[int, str, int, bool]
"""Where a knob is named, its stem, its direction and whether a word gave that direction."""


# Names of one knob: the strength of a penalty goes by its symbol as often as by its name.
_SAME_KNOB = {"lambda": "penalty", "alpha": "penalty", "regularization": "penalty",
              "regularisation": "penalty"}


def _noun(w: str) -> str:
    """A knob's stem, plural or not ("trees" and "tree")."""
    w = _SAME_KNOB.get(w, w)
    return stem(w[:-1] if w.endswith("s") and not w.endswith("ss") and len(w) > 3 else w)


def _content(w: str) -> bool:
    return w != "," and w not in STOPWORDS and w not in DIRECTION and w not in _LINKS and \
        stem(w) not in EFFECTS


def _near(tokens: list[str], pos: int, later: int) -> bool:
    """A knob named after the effect speaks of it only close by, with no comma between
    ("variance falls as k grows")."""
    return later - pos <= AFTER_WINDOW and "," not in tokens[pos:later]


def _effects(tokens: list[str], used: set[int]) -> list[tuple[int, int, int]]:
    """(position, direction, where the direction word is) of every effect given a direction:
    "low bias", "less variance", "variance is high", "bias goes up". The
    direction words it takes are added to `used`."""
    effects = []
    for i, t in enumerate(tokens):
        if stem(t) not in EFFECTS:
            continue
        j = i - 1
        while j >= 0 and tokens[j] in _ARTICLES:
            j -= 1
        if j >= 0 and tokens[j] in DIRECTION:
            sign, k = 1, j
            while k >= 0 and tokens[k] in DIRECTION and k not in used:
                sign *= DIRECTION[tokens[k]]
                used.add(k)
                k -= 1
            effects.append((i, sign, j))
            continue
        j = i + 1
        while j < len(tokens) and j - i <= 2 and tokens[j] in _LINKS:
            j += 1
        if j < len(tokens) and tokens[j] in DIRECTION and j not in used and not (
                j + 1 < len(tokens) and stem(tokens[j + 1]) in EFFECTS):  # "X (high variance)"
            used.add(j)
            effects.append((i, DIRECTION[tokens[j]], j))
        elif j < len(tokens) and j > i + 1 and tokens[j] in _PHRASAL and \
                tokens[j - 1] in {"goes", "go", "going", "went", "comes", "come", "coming"}:
            effects.append((i, _PHRASAL[tokens[j]], j))  # "variance goes up"
    return effects


def _drivers(tokens: list[str], used: set[int]) -> list[Driver]:
    """Every knob given a direction by words no effect took: "small k", "greater depth",
    "as k grows" (the knob before a direction with nothing after it)."""
    drivers: list[Driver] = []
    i = 0
    while i < len(tokens):
        if tokens[i] not in DIRECTION or i in used:
            i += 1
            continue
        sign, j = 1, i
        while j < len(tokens) and tokens[j] in DIRECTION and j not in used:
            sign *= DIRECTION[tokens[j]]
            j += 1
        noun = next((tokens[k] for k in range(j, min(j + 3, len(tokens)))
                     if tokens[k] != "," and tokens[k] not in _ARTICLES), None)
        if noun is None or not _content(noun):
            noun = next((tokens[k] for k in range(i - 1, -1, -1)
                         if tokens[k] == "," or _content(tokens[k])), None)
        if noun is not None and noun != ",":
            drivers.append((i, _noun(noun), sign, True))
        i = j
    return drivers


def _subject(tokens: list[str], before: int) -> Driver | None:
    """The knob of an effect no direction word names: the first thing its clause names
    ("dropout increases bias"; in "regularizing the model raises bias" the regularizing, not
    the model), taken as switched on."""
    k, subject = before - 1, None
    while k >= 0 and tokens[k] != ",":
        subject = k if _content(tokens[k]) else subject
        k -= 1
    return None if subject is None else (subject, _noun(tokens[subject]), 1, False)


def _group_relations(tokens: list[str], out: Relations, carried: list[Driver]) -> list[Driver]:
    """Adds the relations of one statement; returns the drivers of its last effect (a statement
    with nothing but effects, "... but high variance", goes on with it)."""
    if any(is_negation(t) for t in tokens):
        return []  # "does not reduce bias": leave negated statements to the verifier
    used: set[int] = set()
    effects = _effects(tokens, used)
    if not effects:
        return []
    if any(_content(t) for t in tokens[:effects[0][0]]):  # a subject of its own
        carried = []
    drivers = _drivers(tokens, used)
    mine: list[Driver] = []
    for n, (pos, sign, at) in enumerate(effects):
        since = effects[n - 1][0] if n else -1
        before = [d for d in drivers if d[0] < pos]
        mine = [d for d in before if d[0] > since] or mine or before[-1:] or \
            [d for d in drivers if d[0] > pos and _near(tokens, pos, d[0])][:1]
        if not mine:
            subject = _subject(tokens, min(pos, at))
            mine = [subject] if subject is not None else carried
        for _, noun, dsign, named in mine:
            out.setdefault((noun, stem(tokens[pos])), set()).add((dsign * sign, named))
    return mine


def relations(text: str) -> Relations:
    """(driver, effect) -> the directions the text gives that relation (+1 they move
    together, -1 opposite ways), each with whether the driver's direction was named ("large
    k") or taken as the knob itself ("dropout")."""
    out: Relations = {}
    carried: list[Driver] = []
    for group in _GROUP.split(text):
        tokens = [t.lower().replace("’", "'") for t in _TOKEN.findall(group)]
        carried = _group_relations(tokens, out, carried)
    return out


@functools.lru_cache(maxsize=1 << 12)
def _definite(text: str) -> dict[tuple[str, str], tuple[int, bool]]:
    """The relations the text gives one direction only, with whether every statement of it
    named the knob's direction. Cached: a key point is read against every window of an
    answer. Callers must not change the result."""
    out = {}
    for k, given in relations(text).items():
        signs = {sign for sign, _ in given}
        if len(signs) == 1:
            out[k] = (signs.pop(), all(named for _, named in given))
    return out


def reversed_directions(point: str, window: str) -> bool:
    """True when the window states the point's knob-to-effect relations the opposite way, and
    none the same way: at least two of them ("In k-NN small k gives high bias and low
    variance" against "small k gives low bias and high variance"), or one whose knob has a
    named direction on both sides ("large k lowers bias" against "large k raises bias"; not
    "PQ keeps recall high" against "PQ lowers recall", where PQ with re-ranking may)."""
    p = _definite(point)
    if not p:
        return False
    w = _definite(window)
    shared = p.keys() & w.keys()
    flipped = [k for k in shared if p[k][0] != w[k][0]]
    if not flipped or len(flipped) != len(shared):
        return False
    return len(flipped) >= MIN_REVERSED or all(p[k][1] and w[k][1] for k in flipped)
