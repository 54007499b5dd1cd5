"""The typed result of grading one answer."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field, model_validator

Level = Literal["no credit", "weak", "partial", "good", "strong"]
Status = Literal["covered", "partial", "missed"]
Verdict = Literal["stated", "partial", "unverified", "contradicted", "absent"]
"""What the answer does with a key point: states it correctly; states part of it; talks about
it in a way the offline verifier can neither confirm nor refute ('addressed, not verified');
says something incompatible with it; or never states it."""
StarName = Literal["situation", "task", "action", "result"]
GRADE_VERSION = 2
STATUS_OF: dict[str, Status] = {"stated": "covered", "partial": "partial",
                                "unverified": "partial", "contradicted": "missed",
                                "absent": "missed"}


def level_for(score: float) -> Level:
    if score < 1.0:
        return "no credit"
    if score < 2.0:
        return "weak"
    if score < 3.0:
        return "partial"
    if score < 4.0:
        return "good"
    return "strong"


class Quote(BaseModel):
    """An exact substring of what the candidate wrote, and where it is."""

    text: str
    start: int
    end: int
    source: str = "answer"
    """'answer' or 'followup-N' (the N-th follow-up answer, from 1)."""


class VerifierProbs(BaseModel):
    """The verifier's reading of the evidence window against the key point."""

    entail: float
    contradict: float
    neutral: float


class KeyPointResult(BaseModel):
    id: str
    text: str
    weight: float
    status: Status
    """Kept for older readers: stated -> covered; partial/unverified -> partial; else missed."""
    verdict: Verdict = "absent"
    confidence: float = Field(ge=0, le=1)
    """The grader's probability that the point is stated correctly (its credit)."""
    evidence: Quote | None = None
    """For stated/partial/unverified: the words that state the point; for contradicted: the
    words that contradict it."""
    prompted: bool = False
    """Covered only after a follow-up asked for it."""
    dimension: str | None = None
    verifier: VerifierProbs | None = None
    reference: str | None = None
    """For an unverified point: the model answer's words on it, to compare with."""

    @model_validator(mode="before")
    @classmethod
    def _verdict_of_old_grades(cls, data: Any) -> Any:
        """Grades saved before verdicts existed (version 1) carry only a status."""
        if isinstance(data, dict) and "verdict" not in data and "status" in data:
            data = {**data, "verdict": {"covered": "stated", "partial": "partial"}.get(
                data["status"], "absent")}
        return data

    @property
    def credited(self) -> bool:
        return self.verdict in ("stated", "partial")


class MisconceptionHit(BaseModel):
    claim: str
    correction: str
    evidence: Quote
    listed: bool = True
    """False for a wrong claim no misconception lists (it contradicts the model answer)."""


class StarPartResult(BaseModel):
    part: StarName
    present: bool
    evidence: Quote | None = None
    prompted: bool = False


class StarResult(BaseModel):
    parts: list[StarPartResult]
    ownership: Literal["I", "we", "mixed", "none"]
    i_count: int
    we_count: int
    quantified: bool
    quantified_evidence: Quote | None = None
    reflection: bool
    reflection_evidence: Quote | None = None


class TestOutcome(BaseModel):
    name: str
    passed: bool
    message: str = ""


class CodeResult(BaseModel):
    parsed: bool
    error: str = ""
    passed: int = 0
    total: int = 0
    tests: list[TestOutcome] = Field(default_factory=list)
    timed_out: bool = False
    seconds: float = 0.0
    isolation: str = ""
    """The sandbox layer the code ran under: "bubblewrap", "unshare" or "none"."""
    isolated: bool = True
    """False when no isolation layer worked: the code ran as the user (the grade says so)."""


class Grade(BaseModel):
    """Everything the grader concluded about one answer."""

    version: int = GRADE_VERSION
    question_id: str
    kind: str
    score: float = Field(ge=0, le=5)
    level: Level
    key_points: list[KeyPointResult] = Field(default_factory=list)
    missed: list[str] = Field(default_factory=list)
    misconceptions: list[MisconceptionHit] = Field(default_factory=list)
    star: StarResult | None = None
    code: CodeResult | None = None
    flags: list[str] = Field(default_factory=list)
    coverage: float = 0.0
    """Weighted key-point coverage before the score curve, caps and penalties (0..1)."""
    hints_used: int = 0
    feedback: list[str] = Field(default_factory=list)
    grader: str = "offline"
    llm: dict[str, object] | None = None
    """The LLM judge's verdict when one was used (see the providers docs)."""

    @property
    def covered(self) -> list[KeyPointResult]:
        return [k for k in self.key_points if k.credited]

    @property
    def contradicted(self) -> list[KeyPointResult]:
        return [k for k in self.key_points if k.verdict == "contradicted"]
