"""Where the interview session meets the LLM; each hook returns the offline result on any
problem, so a session with a provider never does less than one without."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

from coach.knowledge.models import BankQuestion
from coach.providers.interviewer import Ask, LLMInterviewer, Spoken

if TYPE_CHECKING:
    from coach.embeddings import Embedder
    from coach.grading.grader import Grader
    from coach.knowledge.loader import KnowledgeBase
    from coach.providers.base import ChatProvider
    from coach.providers.combine import CombinedGrader

OnToken = Callable[[str], None]


class Services(Protocol):
    """What the hooks read from the coach's services. Structural, so the providers layer
    imports neither coach.services nor the interview above it (the import-linter layers)."""

    @property
    def chat(self) -> ChatProvider | None: ...
    @property
    def grader(self) -> Grader: ...
    @property
    def kb(self) -> KnowledgeBase: ...
    @property
    def embedder(self) -> Embedder: ...


class FollowUp(Protocol):
    """The follow-up the interview chose; the hooks phrase its text."""

    @property
    def text(self) -> str: ...


def judge_grader(services: Services) -> Grader | CombinedGrader:
    """The grader a session uses: offline, or offline combined with the LLM judge."""
    chat = services.chat
    if chat is None:
        return services.grader
    from coach.providers.combine import CombinedGrader

    return CombinedGrader(services.grader, chat)


def _notes(services: Services, q: BankQuestion) -> list[str]:
    note = services.kb.notes.get(q.note_id)
    return [note.body] if note is not None else []


def phrase_question(services: Services, q: BankQuestion, template: str, context: str = "",
                    on_token: OnToken | None = None,
                    cancel: threading.Event | None = None) -> Spoken:
    chat = services.chat
    if chat is None:
        return Spoken(template, "template", "offline")
    ask = Ask(question=q.question.prompt, template=template,
              model_answer=q.question.model_answer, notes=_notes(services, q),
              context=context)
    return LLMInterviewer(chat, services.embedder).ask(ask, on_token, cancel)


def phrase_followup(services: Services, q: BankQuestion, followup: FollowUp, missed: list[str],
                    last_answer: str, on_token: OnToken | None = None,
                    cancel: threading.Event | None = None) -> Spoken:
    chat = services.chat
    if chat is None:
        return Spoken(followup.text, "template", "offline")
    probe = followup.text
    ask = Ask(question=q.question.prompt, template=followup.text,
              model_answer=q.question.model_answer, notes=_notes(services, q),
              missed=missed, probe=probe, last_answer=last_answer)
    return LLMInterviewer(chat, services.embedder).follow_up(ask, on_token, cancel)
