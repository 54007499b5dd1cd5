"""What the interview works with, named one by one instead of the whole services container.

The parts that depend on the settings (the grader that may add the LLM judge, the LLM that may
word the interviewer's lines) are functions asked at each use: a provider changed in Settings
in the middle of a session applies from the next line or grade on, as it always has.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from coach.storage.db import now

if TYPE_CHECKING:
    from coach.grading.grader import Grader
    from coach.grading.models import Grade
    from coach.grading.rubric import Rubric
    from coach.interview.followups import FollowUp
    from coach.interview.records import InterviewRepository
    from coach.knowledge.loader import KnowledgeBase
    from coach.knowledge.models import BankQuestion
    from coach.providers.interviewer import Spoken
    from coach.storage.drafts import Drafts

OnToken = Callable[[str], None]


class AnswerGrader(Protocol):
    """Grades one answer (the offline grader, or it combined with an LLM judge)."""

    def grade(self, rubric: Rubric, answer: str, *, followups: Sequence[str] = (),
              hints_used: int = 0) -> Grade: ...


class Voice(Protocol):
    """An LLM that words the interviewer's lines, streaming them to `on_token`; its result
    falls back to the written wording on any problem."""

    def ask(self, q: BankQuestion, template: str, context: str, on_token: OnToken | None,
            cancel: threading.Event) -> Spoken: ...

    def follow_up(self, q: BankQuestion, followup: FollowUp, missed: list[str],
                  last_answer: str, on_token: OnToken | None,
                  cancel: threading.Event) -> Spoken: ...


def _new_id() -> str:
    return uuid.uuid4().hex[:12]


def _now() -> str:
    return now()  # looked up per call, so a test can freeze the module's clock


@dataclass(frozen=True)
class Collaborators:
    kb: KnowledgeBase
    repo: InterviewRepository
    drafts: Drafts
    """Unsent answers (database and draft files); the engine forgets them once answered."""
    grader: Callable[[], Grader]
    """The offline grader: code runs and the rubric warm-up (built on first use)."""
    judge: Callable[[], AnswerGrader]
    """What grades an answer: the offline grader, or it with the LLM judge (asked per grade)."""
    voice: Callable[[], Voice | None]
    """The LLM that words the interviewer's lines, or None offline (asked per line)."""
    search: Callable[[], Callable[[str, int], Any]]
    """Search over the notes (builds the index on first use); weighs a job description."""
    clock: Callable[[], str] = _now
    new_id: Callable[[], str] = _new_id


class Wires(Protocol):
    """What wires an interview (the coach's services): its collaborators, and the repository,
    where a resumed session is found before anything else loads."""

    @property
    def repo(self) -> InterviewRepository: ...

    def interview_parts(self) -> Collaborators: ...
