"""The typed result of grading one answer."""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, computed_field, field_serializer, model_validator

from coach.grading.judge_verdict import JudgeStatus as JudgeStatus  # re-exported
from coach.grading.judge_verdict import JudgeVerdict, reason_from_label

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


COMBINED_GRADER = "offline+llm"
"""`Grade.grader` when the LLM judge's verdict is part of the score."""


class Flag(StrEnum):
    """What the grader noticed about an answer as a whole. The values are what saved grades
    hold and what the user sees: never rename one, or older grades stop loading."""

    EMPTY = "empty"
    NO_ANSWER = "no-answer"
    GIBBERISH = "gibberish"
    NO_CONTENT = "no-content"
    VERY_LONG = "very-long"
    INSTRUCTIONS_TO_GRADER = "instructions-to-grader"
    REPEATS_QUESTION = "repeats-question"
    KEYWORD_LIST = "keyword-list"
    OFF_TOPIC = "off-topic"
    UNFOCUSED = "unfocused"
    CODE_DOES_NOT_PARSE = "code-does-not-parse"
    CODE_FAILED_TO_RUN = "code-failed-to-run"
    CODE_NOT_ISOLATED = "code-not-isolated"


class FeedbackKind(StrEnum):
    """What a feedback line is about, so a view picks lines by kind rather than by wording."""

    FLAG = "flag"
    """What a flag means for this answer (or why it earned nothing)."""
    COVERED = "covered"
    WRONG = "wrong"
    """A key point the answer contradicts."""
    UNVERIFIED = "unverified"
    STRENGTHEN = "strengthen"
    MISCONCEPTION = "misconception"
    """A listed misconception or a wrong claim."""
    TESTS = "tests"
    CODE_ERROR = "code-error"
    STORY = "story"
    """Advice on a behavioral story (STAR parts, numbers, reflection, ownership)."""
    HINTS = "hints"
    JUDGE = "judge"
    """The LLM judge's part: the combined score and its rule, or why it was not used."""
    NOTE = "note"
    """A line of a grade saved before kinds were stored that is none of the kinds a view
    treats apart."""


RESTATED: frozenset[FeedbackKind] = frozenset({
    FeedbackKind.COVERED, FeedbackKind.WRONG, FeedbackKind.UNVERIFIED,
    FeedbackKind.MISCONCEPTION, FeedbackKind.TESTS})
"""Lines that repeat what a grade view already shows from the facts (key points with their
evidence, misconceptions, test results): views list the other lines as advice."""


class Feedback(BaseModel):
    """One line of plain-language feedback."""

    model_config = ConfigDict(frozen=True)

    kind: FeedbackKind
    text: str


# The wording of the lines a view treats apart, as grades saved before kinds were stored
# carry it (read only to give those lines a kind; new grades store their kinds).
_OLD_PREFIXES: tuple[tuple[str, FeedbackKind], ...] = (
    ("Covered:", FeedbackKind.COVERED), ("Tests passed", FeedbackKind.TESTS),
    ("Wrong:", FeedbackKind.WRONG), ("Addressed, not verified", FeedbackKind.UNVERIFIED),
    ("Misconception:", FeedbackKind.MISCONCEPTION), ("Wrong claim:", FeedbackKind.MISCONCEPTION),
    ("LLM judge unavailable (", FeedbackKind.JUDGE),
    ("The LLM judge also credited:", FeedbackKind.JUDGE),
)


def _old_kind(text: str) -> FeedbackKind:
    for prefix, kind in _OLD_PREFIXES:
        if text.startswith(prefix):
            return kind
    if (text.startswith("Score ") and ": offline grader " in text) \
            or " LLM claim(s) were dropped " in text:
        return FeedbackKind.JUDGE
    return FeedbackKind.NOTE


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
    flags: list[Flag] = Field(default_factory=list)
    coverage: float = 0.0
    """Weighted key-point coverage before the score curve, caps and penalties (0..1)."""
    hints_used: int = 0
    feedback: list[Feedback] = Field(default_factory=list)
    """Saved as the list of texts `feedback`, as before, beside `feedback_kinds`."""
    grader: str = "offline"
    llm: JudgeVerdict | None = None
    """The LLM judge's part when one was configured: its verdict, or why it was unavailable."""

    @model_validator(mode="before")
    @classmethod
    def _judge_reason(cls, data: Any) -> Any:
        """A failed judge's short reason is saved in the grade's label, not in `llm`."""
        if isinstance(data, dict) and isinstance(data.get("llm"), dict) \
                and "error" in data["llm"] and "reason" not in data["llm"]:
            data = {**data, "llm": {**data["llm"], "reason": reason_from_label(
                str(data.get("grader", "")))}}
        return data

    @model_validator(mode="before")
    @classmethod
    def _typed_feedback(cls, data: Any) -> Any:
        """Saved grades hold feedback texts and, since kinds exist, their kinds beside them;
        a text without its kind (an older grade) gets one from its wording."""
        if not isinstance(data, dict):
            return data
        data = dict(data)
        kinds = data.pop("feedback_kinds", None)
        texts = data.get("feedback")
        if not isinstance(texts, list):
            return data
        known = {k.value for k in FeedbackKind}
        if not (isinstance(kinds, list) and len(kinds) == len(texts)
                and all(isinstance(k, str) and k in known for k in kinds)):
            kinds = [None] * len(texts)
        data["feedback"] = [
            {"kind": kind or _old_kind(text), "text": text} if isinstance(text, str) else text
            for text, kind in zip(texts, kinds, strict=True)]
        return data

    @field_serializer("feedback")
    def _feedback_texts(self, feedback: list[Feedback]) -> list[str]:
        return [f.text for f in feedback]

    @computed_field  # type: ignore[prop-decorator]
    @property
    def feedback_kinds(self) -> list[FeedbackKind]:
        """Saved beside the texts, so a reloaded grade keeps what each line is about."""
        return [f.kind for f in self.feedback]

    @property
    def judge_status(self) -> JudgeStatus | None:
        """How the LLM judge took part; None when no judge was used."""
        return None if self.llm is None else self.llm.status

    @property
    def covered(self) -> list[KeyPointResult]:
        return [k for k in self.key_points if k.credited]

    @property
    def contradicted(self) -> list[KeyPointResult]:
        return [k for k in self.key_points if k.verdict == "contradicted"]
