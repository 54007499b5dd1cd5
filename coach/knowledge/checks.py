"""Content checks the schema cannot express: cue lists and probes that hand over the answer.

Each check returns `(location, message, fix)` triples; the loader turns them into problems
with the file and line of the offending field.
"""

from __future__ import annotations

import re

from coach.knowledge.models import KeyPoint

MIN_CUE_CHARS = 3
"""A cue shorter than this ('C', 'EM', 'ci') matches by accident or not at all."""
SHARED_RUN = 4
"""A probe repeating this many consecutive words of its key point's text gives it away."""

_WORD = re.compile(r"[a-z0-9]+")
_PAIRS = (("(", ")"), ("[", "]"), ("{", "}"))

Finding = tuple[tuple[str | int, ...], str, str]


def _words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def _runs(words: list[str], n: int) -> list[tuple[str, ...]]:
    return [tuple(words[i:i + n]) for i in range(len(words) - n + 1)]


def _unbalanced(cue: str) -> bool:
    return any(cue.count(left) != cue.count(right) for left, right in _PAIRS)


def cue_findings(point: KeyPoint) -> list[Finding]:
    """Cues too short to mean anything, and cues a YAML flow list split at a comma."""
    found: list[Finding] = []
    for i, cue in enumerate(point.cues):
        text = cue.strip()
        if _unbalanced(text):
            found.append((("cues", i), f"cue '{cue}' has an unbalanced bracket, so the list was "
                          "split at a comma inside a cue",
                          "quote the whole cue, e.g. cues: ['(1, 1) over root 2', ...]"))
        elif len(text) < MIN_CUE_CHARS:
            found.append((("cues", i), f"cue '{cue}' is shorter than {MIN_CUE_CHARS} characters",
                          "write a phrase a covering answer would use ('EM algorithm', not "
                          "'EM'), quoted"))
    return found


def probe_findings(point: KeyPoint) -> list[Finding]:
    """A probe that names one of its own cues or repeats a run of the point's text."""
    probe = _words(point.probe)
    padded = f" {' '.join(probe)} "
    for cue in point.cues:
        cue_words = _words(cue)
        if cue_words and f" {' '.join(cue_words)} " in padded:
            return [(("probe",), f"the probe names its own cue '{cue}'",
                     "ask about the gap without naming the answer (or drop the cue if it is "
                     "not part of the answer)")]
    text_runs = set(_runs(_words(point.text), SHARED_RUN))
    shared = [run for run in _runs(probe, SHARED_RUN) if run in text_runs]
    if shared:
        run = " ".join(shared[0])
        return [(("probe",), f"the probe repeats '{run}' from the key point's text",
                 "point at the gap in other words, without stating the point")]
    return []


def key_point_findings(point: KeyPoint) -> list[Finding]:
    return cue_findings(point) + probe_findings(point)
