"""What a client tells the interview, and what the interview answers: typed actions and events.

A client (line mode, the TUI, the interviewer eval) sends one action to `Interview.advance`
and renders the events it returns, in order. Every decision about the flow is the engine's:
when the next question comes, when a draft is forgotten, whether feedback is shown now (a mock
interview keeps it for the end). A client only decides how each event looks.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from coach.grading.models import Grade
from coach.interview.followups import FollowUp
from coach.interview.records import Turn
from coach.knowledge.models import BankQuestion

# -- actions ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Open:
    """Open the session: ask the first question, ask again what a resumed session waits on,
    or grade an answer that a crash left saved but ungraded."""


@dataclass(frozen=True)
class Submit:
    """An answer to the open question or to its follow-up."""

    answer: str


@dataclass(frozen=True)
class Hint:
    """Ask for a hint (practice mode; a mock interview says hints are off)."""


@dataclass(frozen=True)
class Skip:
    """Move on without answering; skipping a follow-up keeps the grade earned so far."""


@dataclass(frozen=True)
class End:
    """End the interview now. A non-blank answer (the input ended in the middle of one) is
    graded first, with no follow-up after it."""

    answer: str = ""


@dataclass(frozen=True)
class TimeUp:
    """A mock interview's time for the open question ran out: a non-blank answer is graded as
    it stands, with no follow-up after it; a blank one is a skip."""

    answer: str = ""


Action = Open | Submit | Hint | Skip | End | TimeUp

# -- events -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class QuestionAsked:
    """The interviewer asks a question (or, `again`, repeats what it still waits on: the
    question or its open follow-up, after a resume or a hint)."""

    question: BankQuestion
    text: str
    position: int
    """1-based place of the question in the session."""
    total: int
    reason: str = ""
    """Why the planner chose it ("due for spaced review", ...), or empty."""
    again: bool = False
    streamed: bool = False
    """`text` already reached `Interview.on_token` in full; do not show it a second time."""
    fallback: str = ""
    """Why `text` is the written wording although an LLM was asked ("cancelled", ...)."""


@dataclass(frozen=True)
class FollowUpAsked:
    """The interviewer asks a follow-up about the answer just given."""

    question: BankQuestion
    followup: FollowUp
    text: str
    grade: Grade
    """The grade so far; it is not feedback to show (the turn is still open)."""
    streamed: bool = False
    fallback: str = ""


@dataclass(frozen=True)
class AnswerGraded:
    """A question is closed with its grade."""

    question: BankQuestion
    grade: Grade
    turn: Turn
    show_feedback: bool
    """Show the grade now (practice mode); a mock interview keeps it for the end."""


@dataclass(frozen=True)
class Skipped:
    """The question was skipped (with nothing submitted)."""

    question: BankQuestion
    turn: Turn


@dataclass(frozen=True)
class HintGiven:
    """A hint (or the reason there is none); the question stays open."""

    text: str
    question: BankQuestion
    prompt: str
    """What the interviewer still waits on, for a client that shows it again."""


@dataclass(frozen=True)
class Finished:
    """The interview is over; its report is ready."""

    session_id: str
    summary: dict[str, Any]
    withheld: tuple[tuple[str, Grade], ...] = ()
    """(question id, grade) of every graded question whose feedback the session held back
    (a mock interview), to show now; empty in practice mode."""


@dataclass(frozen=True)
class Said:
    """A line said earlier in the session (`Interview.transcript`), for a client that shows a
    resumed session's conversation so far."""

    who: Literal["interviewer", "you", "coach"]
    text: str


Event = QuestionAsked | FollowUpAsked | AnswerGraded | Skipped | HintGiven | Finished | Said
