"""The report as data: one versioned model that the Markdown, HTML and JSON renderers share.

The JSON form is this model dumped as is; `docs/report-schema.md` documents it. A change that
removes or renames a field bumps SCHEMA; adding an optional field does not.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SerializerFunctionWrapHandler, model_serializer

SCHEMA: Literal["coach.report/1"] = "coach.report/1"

TurnStatus = Literal["graded", "skipped", "unanswered"]
StepKind = Literal["study", "redo", "unlearn", "fix-code", "story", "practise", "review", "mock"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Judged(_Model):
    """A part of the report that may carry the LLM judge's view in an optional `judge` field.

    The field is left out of the JSON when there was no LLM judge, so a report of an offline
    session is exactly what it was before the field existed.
    """

    @model_serializer(mode="wrap")
    def _omit_absent_judge(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        data: dict[str, Any] = handler(self)
        if data.get("judge") is None:
            data.pop("judge", None)
        return data


class Evidence(_Model):
    """Words the candidate wrote, quoted exactly, and where: 'answer' or 'followup-N'."""

    text: str
    source: str


class PointJudge(_Model):
    """The LLM judge on one key point (or STAR part), after code checked its quote."""

    verdict: Literal["covered", "partial", "missed", "contradicted"]
    """What stands after the checks (a claim whose quote failed them counts as missed)."""
    claimed: str
    """What the model said: covered, partial, missed, or none (no verdict given)."""
    quote: Evidence | None = None
    """The verified quote: the candidate's exact words the verdict rests on."""
    dropped: str | None = None
    """Why the model's claim was not accepted, when it was not."""


class VerifierReport(_Model):
    """The offline verifier's probabilities for the quoted words against the key point."""

    entail: float
    contradict: float
    neutral: float


class KeyPointReport(_Judged):
    id: str
    text: str
    weight: float
    status: Literal["covered", "partial", "missed"]
    verdict: Literal["stated", "partial", "unverified", "contradicted", "absent"] = "absent"
    """stated / partial: credited; unverified: addressed, but the offline verifier could not
    confirm it (compare with `reference`); contradicted: the quoted words say the opposite
    (no credit, costs like a misconception); absent: not stated."""
    verifier: VerifierReport | None = None
    reference: str | None = None
    """For an unverified point, the model answer's words on it."""
    confidence: float
    prompted: bool
    """Covered only after a follow-up asked for it."""
    evidence: Evidence | None = None
    judge: PointJudge | None = None
    """The LLM judge's verdict; absent when no LLM judge was used."""


class MisconceptionReport(_Model):
    claim: str
    correction: str
    evidence: Evidence
    listed: bool = True
    """False for a wrong claim that no listed misconception names."""


class TestReport(_Model):
    name: str
    passed: bool
    message: str = ""


class CodeReport(_Model):
    parsed: bool
    error: str = ""
    passed: int
    total: int
    timed_out: bool
    tests: list[TestReport]


class StarPartReport(_Judged):
    part: Literal["situation", "task", "action", "result"]
    present: bool
    prompted: bool
    evidence: Evidence | None = None
    judge: PointJudge | None = None
    """The LLM judge's verdict on this part; absent when no LLM judge was used."""


class StarReport(_Model):
    parts: list[StarPartReport]
    ownership: Literal["I", "we", "mixed", "none"]
    quantified: bool
    quantified_evidence: Evidence | None = None
    reflection: bool
    reflection_evidence: Evidence | None = None


class FollowupReport(_Model):
    kind: str
    target: str
    text: str
    answer: str | None
    """None when the follow-up was skipped or left open."""


class StudyLink(_Model):
    note_id: str
    title: str
    path: str
    """The note's file, relative to the repository (knowledge/...)."""
    href: str
    """Where the rendered report links to: relative to the report file, or absolute."""


class QuestionJudge(_Model):
    """How the LLM judge took part in one grade (see coach/providers/combine.py)."""

    provider: str
    status: Literal["combined", "unavailable"]
    """combined: the score combines both graders; unavailable: the LLM judge failed and the
    offline grade stands."""
    offline_score: float
    llm_score: float | None = None
    """The LLM judge's own score, 0-5; None when it was unavailable."""
    rule: str
    """How the final score was reached, in words (e.g. 'mean of offline and LLM judge')."""
    reason: str | None = None
    """Why the LLM judge was unavailable (e.g. 'timeout')."""
    gap: str = ""
    """The judge's one sentence on the most important gap."""
    dropped: int = 0
    """LLM claims dropped because the answer does not support them."""


class QuestionReport(_Judged):
    position: int
    """1-based order in the session."""
    question_id: str
    kind: str
    track: str
    difficulty: str
    topics: list[str]
    prompt: str
    status: TurnStatus
    answer: str
    hints_used: int
    followups: list[FollowupReport]
    score: float | None
    level: str | None
    key_points: list[KeyPointReport]
    misconceptions: list[MisconceptionReport]
    code: CodeReport | None = None
    star: StarReport | None = None
    flags: list[str]
    feedback: list[str]
    model_answer: str
    study: list[StudyLink]
    review_due: str | None = None
    """When spaced review brings this question back (ISO time)."""
    judge: QuestionJudge | None = None
    """The LLM judge's part in the score; absent when no LLM judge was used."""


class TopicReport(_Model):
    topic: str
    description: str
    questions: int
    score: float
    level: str


class NextStep(_Model):
    kind: StepKind
    text: str
    question_id: str | None = None
    note_id: str | None = None
    command: str | None = None
    """A coach command that does this step, when there is one."""


class SessionInfo(_Model):
    id: str
    created_at: str
    finished_at: str | None
    status: str
    role: str
    mode: str
    planned: int
    answered: int
    skipped: int


class OverallJudge(_Model):
    """Whether the overall score combines the LLM judge, and each grader's own mean."""

    combined: int
    """Graded answers whose score combines the offline grader and the LLM judge."""
    unavailable: int
    """Graded answers where the LLM judge failed and the offline grade stands."""
    offline_score: float
    """Mean of the offline grader's scores over every graded answer."""
    llm_score: float | None = None
    """Mean of the LLM judge's scores over the answers it judged; None when it judged none."""


class Overall(_Judged):
    score: float | None
    """Mean score of the graded answers, 0-5; None when nothing was graded."""
    level: str | None
    judge: OverallJudge | None = None
    """Present when any answer had an LLM judge."""


class Report(_Model):
    """Everything a candidate keeps from one session."""

    schema_: Literal["coach.report/1"] = Field(default=SCHEMA, alias="schema")
    generated_at: str
    session: SessionInfo
    overall: Overall
    questions: list[QuestionReport]
    topics: list[TopicReport]
    strengths: list[str]
    weaknesses: list[str]
    next_steps: list[NextStep]

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    def to_json(self) -> str:
        return self.model_dump_json(by_alias=True, indent=2)
