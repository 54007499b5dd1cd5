"""The LLM judge's part in a grade (`Grade.llm`), as `coach/providers/combine.py` records it.

Saved grades hold it as a plain object in one of two shapes, kept exactly as they were before
this model existed: a combined verdict (`provider`, `score`, `offline_score`, `combined`,
`rule`, `gap`, `points`, `dropped`, `wrong_claims`) or a failure (`provider`, `error`). The
status says which; it is not saved, because the shape already says it.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    model_serializer,
    model_validator,
)

FAILED_LABEL = "offline (llm failed: "
"""How `Grade.grader` begins when the judge failed; the reason follows, then ')'."""

PointStatus = Literal["covered", "partial", "missed", "contradicted"]
_POINT_STATUSES = frozenset({"covered", "partial", "missed", "contradicted"})
_FAILURE_KEYS = ("provider", "error")


class JudgeStatus(StrEnum):
    """How an LLM judge took part in a grade."""

    COMBINED = "combined"
    UNAVAILABLE = "unavailable"
    """The judge failed (after retries or one repair): the offline grade stands."""


class JudgedPoint(BaseModel):
    """The judge's verdict on one key point (or STAR part) after code checked its quote."""

    id: str
    text: str = ""
    weight: float = 1.0
    claimed: str = "none"
    """What the model said (its own word), or 'none' when it gave no verdict."""
    status: PointStatus
    """What survives the checks: a claim whose quote failed them is 'missed'."""
    quote: str = ""
    source: str = ""
    start: int = -1
    end: int = -1
    dropped: str = ""
    """Why the model's claim was not accepted; empty when it was."""


class JudgedClaim(BaseModel):
    """A wrong claim the judge named, whose quote was found in the answer."""

    quote: str
    correction: str
    source: str = "answer"
    start: int = -1
    end: int = -1


class JudgeVerdict(BaseModel):
    """The LLM judge's part in one grade: its checked verdict, or why it could not be used."""

    model_config = ConfigDict(frozen=True)

    status: JudgeStatus = Field(exclude=True)
    provider: str = ""
    score: float | None = None
    """The judge's own score, 0-5 (combined only; None in a record missing it)."""
    offline_score: float | None = None
    combined: float | None = None
    rule: str = ""
    """How the final score was reached, in words."""
    gap: str = ""
    """The judge's one sentence on the most important gap."""
    points: list[JudgedPoint] = Field(default_factory=list)
    dropped: int = 0
    """How many of the judge's point claims were dropped."""
    wrong_claims: list[JudgedClaim] = Field(default_factory=list)
    error: str = ""
    """Unavailable only: the provider's error, redacted and cut to 300 characters."""
    reason: str = Field(default="", exclude=True)
    """Unavailable only: the short reason, as the grade's label shows it (e.g. 'timeout')."""

    @model_validator(mode="before")
    @classmethod
    def _from_saved(cls, data: Any) -> Any:
        """A saved record says its status by its shape; points the coach never wrote (no id or
        an unknown status) are left out rather than refusing the whole grade."""
        if not isinstance(data, dict) or "status" in data:
            return data
        data = {**data, "status": JudgeStatus.UNAVAILABLE if "error" in data
                else JudgeStatus.COMBINED}
        points = data.get("points")
        if isinstance(points, list):
            data["points"] = [p for p in points if isinstance(p, dict)
                              and p.get("status") in _POINT_STATUSES and "id" in p]
        if not isinstance(data.get("dropped", 0), int):
            data["dropped"] = 0
        return data

    @model_serializer(mode="wrap")
    def _saved_shape(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        """The shape it was saved in: a failure's two keys, or the verdict's keys as given
        (an older record without `wrong_claims` is saved again without it)."""
        data: dict[str, Any] = handler(self)
        if self.status is JudgeStatus.UNAVAILABLE:
            return {k: data[k] for k in _FAILURE_KEYS}
        return {k: v for k, v in data.items() if k in self.model_fields_set and k != "error"}

    @property
    def failed(self) -> bool:
        return self.status is JudgeStatus.UNAVAILABLE


def reason_from_label(grader: str) -> str:
    """The reason in a failed grade's label, for records saved without one."""
    if grader.startswith(FAILED_LABEL):
        return grader.removeprefix(FAILED_LABEL).removesuffix(")")
    return ""
