"""The LLM interviewer: natural wording for questions and follow-ups, never the answer.

Every line has a template fall-back (the offline wording). The LLM's text is used only when
it arrives, is not empty, stays on the question, and shares no 5-word phrase with the model
answer or the missed key points (beyond what the question itself says). Streaming text is
held back by four words so a leaking phrase is caught before the user sees it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from coach.embeddings import Embedder
from coach.errors import CoachError
from coach.prompts import render
from coach.providers.base import ChatProvider, Message
from coach.providers.errors import reason_of
from coach.providers.leak import LeakGuard

MAX_CHARS = 800
ON_TOPIC = 0.35


@dataclass(frozen=True)
class Spoken:
    text: str
    source: str  # "llm" | "template"
    reason: str = ""  # why the template was used
    streamed: bool = False  # True when on_token already received exactly `text`


@dataclass(frozen=True)
class Ask:
    """What the interviewer knows when phrasing one line."""

    question: str
    template: str  # the offline wording, used on any problem
    model_answer: str = ""
    notes: Sequence[str] = ()
    missed: Sequence[str] = ()  # key points the grader found missing (follow-ups only)
    probe: str = ""
    last_answer: str = ""
    context: str = ""  # résumé or job description


class LLMInterviewer:
    def __init__(self, chat: ChatProvider, embedder: Embedder | None = None) -> None:
        self.chat = chat
        self.embedder = embedder

    def ask(self, ask: Ask, on_token: Callable[[str], None] | None = None,
            cancel: threading.Event | None = None) -> Spoken:
        """Phrase a question."""
        user = render("interviewer_question", question=ask.question,
                      notes=_notes(ask.notes), context=_context(ask.context))
        return self._say(ask, user, on_token, cancel)

    def follow_up(self, ask: Ask, on_token: Callable[[str], None] | None = None,
                  cancel: threading.Event | None = None) -> Spoken:
        """Phrase a follow-up that probes what the grader found missing."""
        user = render("interviewer_followup", question=ask.question, probe=ask.probe,
                      missed="\n".join(f"- {m}" for m in ask.missed) or "(none)",
                      answer=ask.last_answer[:3000], notes=_notes(ask.notes))
        return self._say(ask, user, on_token, cancel)

    def _say(self, ask: Ask, user: str, on_token: Callable[[str], None] | None,
             cancel: threading.Event | None) -> Spoken:
        guard = LeakGuard([ask.model_answer, *ask.missed],
                          allowed=[ask.question, ask.template, ask.probe, ask.last_answer])
        messages = [Message("system", render("interviewer_system")), Message("user", user)]
        text, shown = "", 0
        try:
            for piece in self.chat.stream(messages, cancel):
                text += piece
                if guard.leaks(text):
                    return self._template(ask, "would reveal the model answer")
                if len(text) > MAX_CHARS:
                    return self._template(ask, "too long")
                if on_token is not None:
                    safe = guard.safe_prefix(text)
                    if safe > shown:
                        on_token(text[shown:safe])
                        shown = safe
        except CoachError as exc:
            return self._template(ask, f"llm failed: {reason_of(exc)}")
        if cancel is not None and cancel.is_set():
            return self._template(ask, "cancelled")
        final = text.strip()
        if not final:
            return self._template(ask, "empty reply")
        if self.embedder is not None:
            vectors = self.embedder.encode([final, ask.template])
            if float(vectors[0] @ vectors[1]) < ON_TOPIC:
                return self._template(ask, "off the question")
        if on_token is not None and text[shown:].rstrip():
            on_token(text[shown:].rstrip())
        return Spoken(final, "llm", streamed=on_token is not None)

    @staticmethod
    def _template(ask: Ask, reason: str) -> Spoken:
        return Spoken(ask.template, "template", reason, streamed=False)


def _notes(notes: Sequence[str]) -> str:
    return "\n\n".join(n.strip()[:1200] for n in notes if n.strip()) or "(none)"


def _context(context: str) -> str:
    return context.strip()[:3000] or "(none given)"
