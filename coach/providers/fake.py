"""A scripted chat model for tests: enqueue replies, then read back what it was asked."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from coach.errors import ProviderError
from coach.providers.base import ChatProvider, Message

Reply = str | dict[str, Any] | BaseModel | BaseException


@dataclass(frozen=True)
class Call:
    kind: str  # "complete" | "stream" | "structured"
    messages: list[Message]
    schema: str = ""


class FakeProvider(ChatProvider):
    """Replies come from a queue, in order; an exception in the queue is raised instead."""

    id = "fake"
    model = "fake"

    def __init__(self, replies: Sequence[Reply] = (), *, max_retries: int = 2,
                 backoff: float = 0.0) -> None:
        super().__init__(max_retries=max_retries, backoff=backoff)
        self.queue: list[Reply] = list(replies)
        self.history: list[Call] = []

    def enqueue(self, replies: Sequence[Reply]) -> None:
        self.queue.extend(replies)

    def _next(self, kind: str, messages: Sequence[Message], schema: str = "") -> str:
        self.history.append(Call(kind, list(messages), schema))
        if not self.queue:
            raise ProviderError(f"fake provider: no scripted reply left for a {kind} call — "
                                "enqueue one in the test")
        reply = self.queue.pop(0)
        if isinstance(reply, BaseException):
            raise reply
        if isinstance(reply, BaseModel):
            return reply.model_dump_json()
        if isinstance(reply, dict):
            return json.dumps(reply)
        return reply

    def _complete_raw(self, messages: Sequence[Message]) -> str:
        return self._next("complete", messages)

    def _stream_raw(self, messages: Sequence[Message]) -> Iterator[str]:
        text = self._next("stream", messages)
        yield from re.findall(r"\S+\s*|\s+", text)

    def _structured_raw(self, messages: Sequence[Message], name: str,
                        schema: dict[str, Any]) -> str:
        return self._next("structured", messages, name)
