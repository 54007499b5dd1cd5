"""The one interface every chat model sits behind: complete, stream and structured output."""

from __future__ import annotations

import json
import queue
import random
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ValidationError

from coach.providers.errors import ProviderOutputError, ProviderUnavailable

T = TypeVar("T", bound=BaseModel)
R = TypeVar("R")
MAX_BACKOFF = 8.0


@dataclass(frozen=True)
class Message:
    role: Literal["system", "user", "assistant"]
    content: str


_END = object()
CANCEL_POLL = 0.05


@dataclass(frozen=True)
class _Raised:
    exc: BaseException


def _pumped(pieces: Iterator[str], cancel: threading.Event) -> Iterator[str]:
    """The pieces of a stream, read on a helper thread so that a cancel takes effect at
    once even while the server is silent. The thread stops by itself at the server's next
    piece or at the request timeout, and closes the stream."""
    box: queue.SimpleQueue[object] = queue.SimpleQueue()
    left = threading.Event()  # the caller stopped reading (cancelled, or had enough)

    def read() -> None:
        try:
            for piece in pieces:
                box.put(piece)
                if cancel.is_set() or left.is_set():
                    break
            close = getattr(pieces, "close", None)
            if close is not None:
                close()
        except BaseException as exc:  # handed to the caller's thread
            box.put(_Raised(exc))
        finally:
            box.put(_END)

    threading.Thread(target=read, name="coach-stream", daemon=True).start()
    try:
        while True:
            try:
                item = box.get(timeout=CANCEL_POLL)
            except queue.Empty:
                if cancel.is_set():
                    return
                continue
            if item is _END:
                return
            if isinstance(item, _Raised):
                raise item.exc
            yield str(item)
    finally:
        left.set()


class ChatProvider(ABC):
    """A chat model. Subclasses implement the three `_raw` calls and map their errors.

    Transient failures (timeout, connection, 429, 5xx) must be raised as
    `ProviderUnavailable`; the public methods retry them `max_retries` times with
    exponential backoff. Anything else is raised at once.
    """

    id: str = ""
    model: str = ""
    can_stream: bool = True
    supports_schema: bool = True
    needs_key: bool = False
    max_tokens: int = 400
    """Longest reply; read when the client is first built."""

    def __init__(self, *, max_retries: int = 2, backoff: float = 0.5) -> None:
        self.max_retries = max_retries
        self.backoff = backoff

    # -- to implement -----------------------------------------------------------------------

    @abstractmethod
    def _complete_raw(self, messages: Sequence[Message]) -> str: ...

    @abstractmethod
    def _stream_raw(self, messages: Sequence[Message]) -> Iterator[str]: ...

    @abstractmethod
    def _structured_raw(self, messages: Sequence[Message], name: str,
                        schema: dict[str, Any]) -> str:
        """JSON text meant to match `schema` (validation happens in `structured`)."""

    # -- public -----------------------------------------------------------------------------

    def complete(self, messages: Sequence[Message]) -> str:
        return self._retrying(lambda: self._complete_raw(messages))

    def stream(self, messages: Sequence[Message],
               cancel: threading.Event | None = None) -> Iterator[str]:
        """Yield text pieces as they arrive; stops quietly once `cancel` is set.

        A transient failure before the first piece is retried; after it, the error is
        raised so the caller keeps what was shown and decides what to do.
        """
        stop = cancel if cancel is not None else threading.Event()
        attempt = 0
        while True:
            started = False
            try:  # the reading thread closes the stream however reading ends
                for piece in _pumped(self._stream_raw(messages), stop):
                    if stop.is_set():
                        return
                    if piece:
                        started = True
                        yield piece
                return
            except ProviderUnavailable as exc:
                if started or attempt >= self.max_retries:
                    raise
                self._sleep(attempt, exc)
                attempt += 1

    def structured(self, messages: Sequence[Message], schema: type[T]) -> T:
        """A validated instance of `schema`; one repair request if the first reply is bad."""
        from coach.prompts import render

        spec = schema.model_json_schema()
        name = str(spec.get("title") or schema.__name__)  # what the model is asked to fill
        raw = self._retrying(lambda: self._structured_raw(messages, name, spec))
        try:
            return schema.model_validate_json(extract_json(raw))
        except (ValidationError, ValueError) as exc:
            problem = _short_problem(exc)
        repair = [*messages, Message("assistant", raw[:4000]),
                  Message("user", render("structured_repair", problem=problem,
                                         schema=json.dumps(spec)))]
        raw = self._retrying(lambda: self._structured_raw(repair, name, spec))
        try:
            return schema.model_validate_json(extract_json(raw))
        except (ValidationError, ValueError) as exc:
            raise ProviderOutputError(
                f"{self.id}: the model's structured reply was malformed twice "
                f"({_short_problem(exc)}) — try a larger model") from None

    # -- helpers ----------------------------------------------------------------------------

    def _retrying(self, call: Callable[[], R]) -> R:
        attempt = 0
        while True:
            try:
                return call()
            except ProviderUnavailable as exc:
                if attempt >= self.max_retries:
                    raise
                self._sleep(attempt, exc)
                attempt += 1

    def _sleep(self, attempt: int, exc: ProviderUnavailable) -> None:
        hinted = getattr(exc, "retry_after", None)
        delay = hinted if isinstance(hinted, (int, float)) else self.backoff * 2 ** attempt
        time.sleep(min(MAX_BACKOFF, delay) * (1 + 0.2 * random.random()))


def extract_json(raw: str) -> str:
    """The JSON object in a reply, tolerating code fences and chatter around it."""
    text = raw.strip()
    start, end = text.find("{"), text.rfind("}")
    if start < 0 or end <= start:
        raise ValueError("no JSON object in the reply")
    return text[start:end + 1]


def _short_problem(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"]) or "reply"
        return f"{where}: {err['msg']}"
    return str(exc)[:200]
