"""From evidence to a verdict: what the answer does with one key point.

Three readings meet here: the coverage model (does a window of the answer talk about the
point, from embeddings and word overlap), the verifier (read together with the point, does
that window state it, contradict it, or neither) and surface signs of contradiction (a paired
opposite, a disagreeing number, a negation: `conflicts.py`). Two logistic heads over them give
the probability that the point is stated and that it is contradicted; the cut-offs and
weights live in `calibration.json` under "verdict", fitted on the train half of the key-point
verdict set and the train-side model answers (`evals/fit_verdicts.py`).

Where the readings cannot tell (the answer talks about the point, but neither head is sure)
the verdict says so: "unverified", shown apart from ✓ and credited only in part.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from coach.grading.models import Verdict
from coach.grading.verifier import Verdict3

# Inputs of both heads: [1, coverage, entail, contradict, swap, number, negation].
DEFAULT_RULE: dict[str, Any] = {
    "stated_weights": [-3.0, 2.5, 4.0, -2.0, 0.0, 0.0, 0.0],
    "contradict_weights": [-4.0, 1.0, -2.0, 4.0, 1.0, 1.0, 0.5],
    "stated": 0.5,          # P(stated) at or above: stated
    "partial": 0.35,        # at or above (and below stated): partial
    "contradict": 0.6,      # P(contradicted) at or above: contradicted ...
    "contradict_min_coverage": 0.3,  # ... only when the window is about the point at all
    "lean_margin": 2.0,     # contradict above entail by this much: never credited (2: off)
    "addressed": 0.45,      # coverage at or above while neither head is sure: unverified
    "unverified_credit": 0.5,  # share of an unverified point's P(stated) that is credited
    "misconception": 0.9,
    "misconception_min_coverage": 0.2,
    "fitted_on": "defaults (not fitted)",
}
# Coverage alone (no verifier): the coverage model's own cut-offs (SemEval-fitted, 0.5 is
# its decision boundary; 0.3 was chosen for partial credit before verdicts existed).
COVERAGE_STATED = 0.5
COVERAGE_PARTIAL = 0.3


@dataclass(frozen=True)
class PointReading:
    verdict: Verdict
    credit: float
    """0..1, the share of the point's weight the answer earns."""
    stated: float
    """The probability that the point is stated correctly."""


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-40.0, min(40.0, z))))


def inputs(coverage: float, v: Verdict3, conflicts: tuple[float, float, float]
           ) -> list[float]:
    return [1.0, coverage, v.entail, v.contradict, *conflicts]


class VerdictRule:
    def __init__(self, data: dict[str, Any] | None = None) -> None:
        self.data = {**DEFAULT_RULE, **(data or {})}
        self.w_stated = [float(w) for w in self.data["stated_weights"]]
        self.w_contra = [float(w) for w in self.data["contradict_weights"]]

    def probabilities(self, x: list[float]) -> tuple[float, float]:
        """(P(stated), P(contradicted)) for one input row."""
        return (_sigmoid(sum(w * f for w, f in zip(self.w_stated, x, strict=True))),
                _sigmoid(sum(w * f for w, f in zip(self.w_contra, x, strict=True))))

    def absent_whatever(self, coverage: float,
                        conflicts: tuple[float, float, float] = (0.0, 0.0, 0.0)) -> bool:
        """True when `read` gives "absent" whatever the verifier says about the window: then
        the grader need not ask it. Both heads are linear in the verifier's entail and
        contradict probabilities, so their highest values over every possible output are at
        the corners (0, 0), (1, 0) and (0, 1)."""
        d = self.data
        if coverage >= float(d["addressed"]):
            return False
        corners = [Verdict3(0.0, 0.0, 1.0), Verdict3(1.0, 0.0, 0.0), Verdict3(0.0, 1.0, 0.0)]
        highest = [self.probabilities(inputs(coverage, v, conflicts)) for v in corners]
        if max(s for s, _ in highest) >= min(float(d["partial"]), float(d["stated"])):
            return False
        return not (coverage >= float(d["contradict_min_coverage"])
                    and max(c for _, c in highest) >= float(d["contradict"]))

    def read(self, coverage: float, v: Verdict3 | None,
             conflicts: tuple[float, float, float] = (0.0, 0.0, 0.0), *,
             swapped: bool = False) -> PointReading:
        """`swapped`: the window says of each of two paired concepts what the point says of
        the other (`conflicts.reversed_roles`), moves each of the point's quantities the
        other way (`directions.reversed_directions`), or gives the point's concept the
        definition of its sibling's (`siblings.borrowed_definition`), or says a clause of the
        point in its own words with the negation added or taken away
        (`polarity.negated_point`), which neither reading can see: wrong."""
        d = self.data
        if swapped and coverage >= float(d["contradict_min_coverage"]):
            return PointReading("contradicted", 0.0, 0.0)
        if v is None:  # no verifier (tests of flow, or weights missing): coverage alone
            if coverage >= COVERAGE_STATED:
                return PointReading("stated", coverage, coverage)
            if coverage >= COVERAGE_PARTIAL:
                return PointReading("partial", coverage, coverage)
            return PointReading("absent", coverage, coverage)
        s, c = self.probabilities(inputs(coverage, v, conflicts))
        if c >= float(d["contradict"]) and coverage >= float(d["contradict_min_coverage"]):
            return PointReading("contradicted", 0.0, s)
        # The verifier reads the words as going against the point: not enough to call them
        # wrong, too much to credit them.
        leans_against = v.contradict >= v.entail + float(d["lean_margin"])
        if s >= float(d["stated"]) and not leans_against:
            return PointReading("stated", s, s)
        if s >= float(d["partial"]) and not leans_against:
            return PointReading("partial", s, s)
        if coverage >= float(d["addressed"]):
            return PointReading("unverified", s * float(d["unverified_credit"]), s)
        return PointReading("absent", 0.0, s)
