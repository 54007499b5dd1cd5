"""Every number the offline grader scores with, each beside where its value came from.

Fixed values are chosen once (the reason is next to them); the calibrated ones are read from
`calibration.json` by `ScoringPolicy.from_calibration`, under the key and from the fit script
named beside them. The coverage model itself (feature weights, score curve) stays in
`features.Calibration` and the verdict heads in `verdicts.VerdictRule`: both are models, not
cut-offs, and are read there.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import TYPE_CHECKING

from coach.grading.verdicts import COVERAGE_STATED, DEFAULT_RULE

# Units a key point's window may centre on (defined here, not in features.py, so that reading
# the policy does not import numpy: the command line imports it for --help).
ANCHORS = 3

if TYPE_CHECKING:
    from collections.abc import Mapping

    from coach.grading.features import Calibration


def _frozen(items: dict[str, float]) -> Mapping[str, float]:
    return MappingProxyType(items)


@dataclass(frozen=True)
class ScoringPolicy:
    """The grader's thresholds, weights, caps and penalties (one frozen object per grader)."""

    # -- answers ---------------------------------------------------------------------------
    max_chars: int = 200_000
    """Longer answers are cut here and flagged very-long (a paste guard, not a fitted value)."""

    # -- key points (technical, system design, coding; behavioral key points too) ----------
    anchors: int = ANCHORS
    """Units a key point's window may centre on (ANCHORS above: a point stated across a
    paragraph often peaks next to a merely related sentence)."""
    parts_share: float = 0.5
    """A compound key point ("X; Y - Z") scores this share from its parts, the rest as a
    whole. Chosen on the training split of the own set (0.25 / 0.5 / 0.75 gave Pearson
    0.893 / 0.896 / 0.894 there)."""
    part_min_words: int = 3
    """Content words each part of a compound point keeps, so "A, B and C" stays whole."""
    cue_bonus: float = 0.2
    """A stated cue phrase (all its content words in one unit) lifts weak coverage by this."""
    prompted_credit: float = 0.8
    """Credit of a point first stated in a follow-up answer (prompted), or a STAR part."""
    verify_min: float = 0.15
    """Windows this far from a key point are absent whatever the verifier says (the stated
    head needs coverage: at 0.15 its probability stays far below any credit cut-off), so they
    are not sent to it."""
    on_topic_reading: float = 0.5
    """A contradicted or unverified point counts as this much coverage for the off-topic cap:
    an answer that talks about a point, even wrongly, is on topic."""

    # -- misconceptions --------------------------------------------------------------------
    misconception_min_claim: float = 0.6
    """Coverage of a claim at which it is made. calibration.json "misconception"."min_claim",
    fitted on the training split by evals/fit_curve.py (this default only without it)."""
    misconception_margin: float = 0.1
    """The claim must be covered this much more than its correction. calibration.json
    "misconception"."margin", fitted by evals/fit_curve.py (default only without it)."""
    misconception_verified: float = float(DEFAULT_RULE["misconception"])
    """Verifier strength (claim entailed, correction contradicted; -2..2) that makes a
    misconception. calibration.json "verdict"."misconception", fitted with the verdict rule
    by evals/fit_verdicts.py (default: verdicts.DEFAULT_RULE)."""
    misconception_min_coverage: float = float(DEFAULT_RULE["misconception_min_coverage"])
    """Claim coverage at which the verifier is asked about a misconception. calibration.json
    "verdict"."misconception_min_coverage", fitted by evals/fit_verdicts.py."""
    related_misconception: float = 0.5
    """A flagged misconception whose correction is at least this close (cosine of the
    embeddings) to a key point says the same as the point; its quote then contradicts it."""
    claim_clause_words: int = 12
    """A misconception is quoted by the clause that makes it: sentences longer than this many
    words are split into clauses first ("Bias means X, and variance is Y")."""

    # -- penalties and caps ----------------------------------------------------------------
    misconception_penalty: float = 0.75
    """Points lost per misconception or contradicted key point (0-5 scale)."""
    hint_penalty: float = 0.25
    """Points lost per hint used (0-5 scale)."""
    degenerate_cap: float = 0.5
    """Highest score of an answer flagged repeats-question, keyword-list or off-topic."""
    repeats_novelty: float = 0.15
    """Below this share of words not in the question ..."""
    repeats_similarity: float = 0.75
    """... and above this cosine to the question, the answer repeats the question."""
    off_topic_relevance: float = 0.2
    """An answer whose closest unit is below this cosine to the question and model answer is
    off topic ..."""
    weak_relevance: float = 0.3
    """... and so is one below this while no key point reaches `weak_coverage`."""
    weak_coverage: float = 0.4
    unfocused_length: float = 3.0
    """An answer longer than this many model answers (at least `unfocused_min_words` words)
    that states no point clearly (COVERAGE_STATED) is flagged unfocused."""
    unfocused_min_words: int = 60
    coverage_stated: float = COVERAGE_STATED
    """Coverage that states a point without the verifier (verdicts.COVERAGE_STATED)."""

    # -- coding ----------------------------------------------------------------------------
    tests_share: float = 0.75
    """A coding answer scores this share from its passing tests, the rest from its
    approach (the key points)."""
    unparsed_share: float = 0.5
    """Code that does not parse keeps this share of its approach score."""

    # -- behavioral ------------------------------------------------------------------------
    star_weights: Mapping[str, float] = field(default_factory=lambda: _frozen(
        {"situation": 1.0, "task": 1.0, "action": 1.5, "result": 1.5}))
    """Weight of each STAR part present; action and result carry the story."""
    ownership_credit: Mapping[str, float] = field(default_factory=lambda: _frozen(
        {"I": 1.0, "mixed": 0.6, "we": 0.2, "none": 0.0}))
    """Credit for who acts in the story ("I" is the candidate's own work)."""
    star_share: float = 0.6
    quantified_share: float = 0.15
    reflection_share: float = 0.15
    ownership_share: float = 0.1
    """A story's base: STAR parts, a quantified result, a reflection, ownership."""
    story_points_share: float = 0.25
    """With key points listed, they are this share of a story's base."""
    story_full_words: int = 80
    """Stories shorter than this many words lose up to half their score."""
    story_top_units: int = 3
    """A story's relevance is the mean of its this many units closest to the question."""
    story_relevance_floor: float = 0.1
    story_relevance_span: float = 0.25
    """Relevance below the floor scores nothing and reaches full credit `span` above it."""
    story_off_topic: float = 0.2
    """Below this relevance a story is off topic."""
    off_question_max_z: float | None = None
    off_question_max_margin: float | None = None
    """A story is flagged as answering another behavioral question when it fits this one no
    better than the typical other question (z below max_z) and another far better (margin
    below max_margin). calibration.json "behavioral_off_question", chosen on the bank's model
    answers and the training split by evals/fit_curve.py; None (not calibrated): never."""

    @classmethod
    def from_calibration(cls, calibration: Calibration) -> ScoringPolicy:
        """The policy with the values fitted into `calibration` (defaults where absent)."""
        data = calibration.data
        miscon = data.get("misconception", {})
        verdict = {**DEFAULT_RULE, **(data.get("verdict") or {})}
        off = data.get("behavioral_off_question")
        policy = replace(
            cls(),
            misconception_min_claim=float(miscon.get("min_claim", 0.6)),
            misconception_margin=float(miscon.get("margin", 0.1)),
            misconception_verified=float(verdict.get("misconception", 0.9)),
            misconception_min_coverage=float(verdict.get("misconception_min_coverage", 0.2)))
        if off:
            policy = replace(policy, off_question_max_z=float(off["max_z"]),
                             off_question_max_margin=float(off["max_margin"]))
        return policy


DEFAULT_POLICY = ScoringPolicy()
"""The uncalibrated policy: its penalties and credits are fixed values, the same in every
calibration (the LLM judge's score and the feedback read them here)."""
