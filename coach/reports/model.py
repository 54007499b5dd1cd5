"""The report as data: one versioned model that the Markdown, HTML and JSON renderers share.

The JSON form is this model dumped as is; `docs/report-schema.md` documents it. A change that
removes or renames a field bumps SCHEMA; adding an optional field does not.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

SCHEMA: Literal["coach.report/1"] = "coach.report/1"

TurnStatus = Literal["graded", "skipped", "unanswered"]
StepKind = Literal["study", "redo", "unlearn", "fix-code", "story", "practise", "review", "mock"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Evidence(_Model):
    """Words the candidate wrote, quoted exactly, and where: 'answer' or 'followup-N'."""

    text: str
    source: str


class KeyPointReport(_Model):
    id: str
    text: str
    weight: float
    status: Literal["covered", "partial", "missed"]
    confidence: float
    prompted: bool
    """Covered only after a follow-up asked for it."""
    evidence: Evidence | None = None


class MisconceptionReport(_Model):
    claim: str
    correction: str
    evidence: Evidence


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


class StarPartReport(_Model):
    part: Literal["situation", "task", "action", "result"]
    present: bool
    prompted: bool
    evidence: Evidence | None = None


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


class QuestionReport(_Model):
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


class Overall(_Model):
    score: float | None
    """Mean score of the graded answers, 0-5; None when nothing was graded."""
    level: str | None


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
