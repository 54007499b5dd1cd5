"""The saved record of a question in a session (a turn), with its follow-ups and its grade.

One record serves the repository, the interview engine and export/import. Storage sits below
grading, so the record takes its grade's model as a type parameter: the interview uses
`TurnRecord[Grade]` (coach.interview.records.Turn); this layer only saves and loads it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field, field_validator

from coach.storage.db import dumps

GradeT = TypeVar("GradeT", bound=BaseModel)

TURN_COLUMNS = ("session_id", "position", "question_id", "state", "answer", "followups", "grade",
                "hints_used", "skipped", "started_at", "updated_at", "track", "topics", "score",
                "asked")
"""The columns of the turns table a record fills (all but the row id), in the record's order."""


class TurnState(StrEnum):
    """Where a turn is: asking -> (answer) -> following_up -> (answer) ... -> graded."""

    ASKING = "asking"
    ANSWERED = "answered"
    """Answer saved, grade not yet (the grade runs next; a crash leaves a turn here)."""
    FOLLOWING_UP = "following_up"
    GRADED = "graded"
    FINISHED = "finished"


class FollowUpRecord(BaseModel):
    """A follow-up the interviewer asked about an answer, and the reply to it."""

    model_config = ConfigDict(extra="forbid")

    kind: str
    """What the follow-up probes ("missed", "contradicted", "star", ...)."""
    target: str
    """The key point or story part it asks about."""
    text: str
    """What the interviewer said."""
    answer: str | None
    """The reply; None while it is open, or when it was skipped."""


class TurnRecord(BaseModel, Generic[GradeT]):
    """One question of a session: as asked, answered, followed up and graded."""

    model_config = ConfigDict(extra="forbid")

    session_id: str
    position: int = Field(ge=0)
    """0-based place of the question in its session."""
    question_id: str = Field(min_length=1)
    state: TurnState
    answer: str = ""
    followups: list[FollowUpRecord] = Field(default_factory=list)
    grade: GradeT | None = None
    """The grade so far (set once the answer is graded; kept while follow-ups run)."""
    hints_used: int = Field(default=0, ge=0)
    skipped: bool = False
    track: str = ""
    topics: list[str] = Field(default_factory=list)
    score: float | None = Field(default=None, ge=0, le=5)
    """The grade's score once the turn is graded (None while open and when skipped)."""
    started_at: str = ""
    """Set by the repository on the first save when empty."""
    updated_at: str = ""
    asked: str = ""
    """The question as the candidate saw it (empty in turns saved before schema 4)."""

    @field_validator("grade", mode="before")
    @classmethod
    def _grade_model_known(cls, value: Any) -> Any:
        # Without its type parameter the record cannot tell which model a grade's data is.
        if (value is not None and not isinstance(value, BaseModel)
                and cls.__pydantic_generic_metadata__["parameters"]):
            raise ValueError("a grade given as data needs the record's grade model "
                             "(TurnRecord[Grade])")
        return value

    def row(self) -> dict[str, Any]:
        """The record as the turns table holds it: column -> value (JSON columns as text)."""
        return {
            "session_id": self.session_id, "position": self.position,
            "question_id": self.question_id, "state": self.state.value, "answer": self.answer,
            "followups": dumps([f.model_dump() for f in self.followups]),
            "grade": dumps(self.grade.model_dump(mode="json")) if self.grade is not None
            else None,
            "hints_used": self.hints_used, "skipped": int(self.skipped),
            "started_at": self.started_at, "updated_at": self.updated_at, "track": self.track,
            "topics": dumps(self.topics), "score": self.score, "asked": self.asked,
        }


@dataclass
class SessionRecord(Generic[GradeT]):
    id: str
    created_at: str
    updated_at: str
    status: str
    role: str
    mode: str
    config: dict[str, Any]
    plan: dict[str, Any]
    summary: dict[str, Any] | None = None
    finished_at: str | None = None
    turns: list[TurnRecord[GradeT]] = field(default_factory=list)

    @property
    def score(self) -> float | None:
        scores = [t.score for t in self.turns if t.score is not None and not t.skipped]
        return round(sum(scores) / len(scores), 2) if scores else None
