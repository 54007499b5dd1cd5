"""The interview's saved records, with the grader's `Grade` as a turn's grade.

`Turn` is what the repository returns and saves, what the engine builds and its events carry,
and what export and import move (coach.history.transfer); follow-ups are `FollowUpRecord`s.
"""

from __future__ import annotations

from coach.grading.models import Grade
from coach.storage.records import FollowUpRecord, SessionRecord, TurnRecord, TurnState
from coach.storage.repo import Repository

__all__ = ["FollowUpRecord", "InterviewRepository", "Session", "Turn", "TurnState"]

Turn = TurnRecord[Grade]
Session = SessionRecord[Grade]
InterviewRepository = Repository[Grade]
"""The repository whose turns carry a `Grade` (built with `Repository(db, grade=Grade)`)."""
