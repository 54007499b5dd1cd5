"""Small messages that workers post back to the interface thread."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from textual.message import Message

if TYPE_CHECKING:
    from coach.interview.events import Event
    from coach.interview.session import Interview


@dataclass
class WarmupChanged(Message):
    """The background warm-up moved to a new stage (or finished, or failed)."""

    stage: str
    ready: bool = False
    error: str = ""


@dataclass
class EngineDone(Message):
    """An interview action finished; events are what happened, in order (for "open", text is
    the unsent draft to restore)."""

    action: str
    interview: Interview
    events: list[Event] = field(default_factory=list)
    text: str = ""


@dataclass
class EngineFailed(Message):
    """An interview action failed with a message the user can act on."""

    action: str
    error: str


@dataclass
class TimeUp(Message):
    """The open question's time limit ran out (mock interviews)."""


@dataclass
class StreamChunk(Message):
    """A piece of an interviewer message arriving from a streaming provider."""

    chunk: str


@dataclass
class SearchDone(Message):
    query: str
    hits: list[Any]
    error: str = ""


@dataclass
class ConnectionChecked(Message):
    ok: bool
    detail: str
