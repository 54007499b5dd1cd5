"""OpenAI and OpenAI-compatible servers (Ollama, vLLM, LM Studio, llama.cpp) via LangChain.

LangChain stays in this module: the rest of the coach only sees `ChatProvider`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any

from coach.providers.base import ChatProvider, Message
from coach.providers.errors import ProviderRejected, ProviderUnavailable
from coach.providers.redact import redact

NO_KEY = "not-needed"  # local servers ignore the key, but the client insists on one


class OpenAICompatProvider(ChatProvider):
    """A chat model behind an OpenAI-style /chat/completions endpoint."""

    def __init__(self, *, provider_id: str, model: str, base_url: str = "", api_key: str = "",
                 timeout: float = 60.0, temperature: float = 0.2, max_retries: int = 2,
                 backoff: float = 0.5, max_tokens: int = 400, needs_key: bool = False) -> None:
        super().__init__(max_retries=max_retries, backoff=backoff)
        self.id = provider_id
        self.model = model
        self.base_url = base_url
        self.needs_key = needs_key
        self.timeout = timeout
        self.temperature = temperature
        self.max_tokens = max_tokens
        self._key = api_key
        self._llm: Any = None

    def __repr__(self) -> str:  # never show the key
        return f"OpenAICompatProvider(id={self.id!r}, model={self.model!r}, " \
               f"base_url={self.base_url!r})"

    @property
    def where(self) -> str:
        return self.base_url or "api.openai.com"

    def _client(self) -> Any:
        if self._llm is None:
            from langchain_openai import ChatOpenAI
            from pydantic import SecretStr

            self._llm = ChatOpenAI(
                model=self.model, base_url=self.base_url or None,
                api_key=SecretStr(self._key or NO_KEY), timeout=self.timeout, max_retries=0,
                temperature=self.temperature, **self._limit(),
            )
        return self._llm

    def _limit(self) -> dict[str, Any]:
        # OpenAI wants max_completion_tokens (LangChain's max_tokens); most compatible
        # servers only read the older max_tokens, so send that in the body instead.
        if self.base_url:
            return {"extra_body": {"max_tokens": self.max_tokens}}
        return {"max_tokens": self.max_tokens}

    def _call(self, fn: Any) -> Any:
        try:
            return fn()
        except Exception as exc:
            raise self._translate(exc) from None

    def _complete_raw(self, messages: Sequence[Message]) -> str:
        reply = self._call(lambda: self._client().invoke(_lc(messages)))
        return _text(reply.content)

    def _stream_raw(self, messages: Sequence[Message]) -> Iterator[str]:
        chunks = self._call(lambda: iter(self._client().stream(_lc(messages))))
        finished = False
        try:
            while True:
                chunk = self._call(lambda: next(chunks, None))
                if chunk is None:
                    break
                finished = finished or bool(chunk.response_metadata.get("finish_reason"))
                yield _text(chunk.content)
            if not finished:
                # The connection closed before the server said the reply was complete.
                raise ProviderUnavailable(
                    f"{self.id}: the connection to {self.where} was lost mid-reply — check "
                    "the server is still running", "connection lost mid-reply")
        finally:
            close = getattr(chunks, "close", None)
            if close is not None:
                close()

    def _structured_raw(self, messages: Sequence[Message], name: str,
                        schema: dict[str, Any]) -> str:
        # Named tool calls are the structured-output form that OpenAI, vLLM, Ollama,
        # LM Studio and llama.cpp's server all enforce.
        tool = {"type": "function",
                "function": {"name": name, "description": schema.get("description", name),
                             "parameters": schema}}
        bound = self._client().bind_tools([tool], tool_choice=name)
        reply = self._call(lambda: bound.invoke(_lc(messages)))
        calls = getattr(reply, "tool_calls", None) or []
        if calls:
            return json.dumps(calls[0].get("args", {}))
        bad = getattr(reply, "invalid_tool_calls", None) or []
        if bad:
            return str(bad[0].get("args") or "")
        return _text(reply.content)

    def _translate(self, exc: Exception) -> Exception:
        """Map client errors to one line saying what is wrong and what to do."""
        import httpx
        import openai

        where, name = self.where, type(exc).__name__
        detail = redact(str(exc), self._key)[:200]
        if isinstance(exc, (ProviderUnavailable, ProviderRejected)):
            return exc
        if isinstance(exc, openai.APITimeoutError | httpx.TimeoutException):
            return ProviderUnavailable(
                f"{self.id}: no reply from {where} within {self.timeout:g} s — raise "
                "COACH_TIMEOUT or use a smaller model", f"timed out after {self.timeout:g} s")
        if isinstance(exc, openai.APIConnectionError | httpx.TransportError):
            return ProviderUnavailable(
                f"{self.id}: cannot reach {where} ({detail}) — start the server or fix "
                "COACH_BASE_URL", "connection failed")
        if isinstance(exc, openai.APIStatusError):
            status = exc.status_code
            if status == 429:
                err = ProviderUnavailable(
                    f"{self.id}: rate limited by {where} (429) — wait a moment or raise your "
                    "quota", "rate limited (429)")
                err.retry_after = _retry_after(exc)  # type: ignore[attr-defined]
                return err
            if status >= 500:
                return ProviderUnavailable(
                    f"{self.id}: {where} failed with {status} — try again later",
                    f"server error ({status})")
            if status in (401, 403):
                return ProviderRejected(
                    f"{self.id}: {where} rejected the API key ({status}) — set COACH_API_KEY or "
                    "OPENAI_API_KEY, or api_key in the config file", f"key rejected ({status})")
            if status == 404:
                return ProviderRejected(
                    f"{self.id}: {where} has no model '{self.model}' or no /chat/completions "
                    "(404) — check COACH_MODEL and COACH_BASE_URL (it usually ends in /v1)",
                    "not found (404)")
            return ProviderRejected(f"{self.id}: {where} refused the request ({status}: "
                                    f"{detail}) — check the model and settings",
                                    f"refused ({status})")
        if isinstance(exc, openai.APIResponseValidationError | json.JSONDecodeError
                      | ValueError | KeyError | TypeError):
            return ProviderUnavailable(
                f"{self.id}: {where} sent a reply that is not valid OpenAI JSON ({name}) — "
                "check that COACH_BASE_URL points at an OpenAI-compatible server",
                "garbled reply")
        return ProviderUnavailable(f"{self.id}: request to {where} failed ({name}: {detail})",
                                   f"request failed ({name})")


def _lc(messages: Sequence[Message]) -> list[tuple[str, str]]:
    roles = {"system": "system", "user": "human", "assistant": "ai"}
    return [(roles[m.role], m.content) for m in messages]


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(p.get("text", "") if isinstance(p, dict) else str(p) for p in content)
    return str(content or "")


def _retry_after(exc: Any) -> float | None:
    try:
        value = float(exc.response.headers.get("retry-after", ""))
    except (AttributeError, TypeError, ValueError):
        return None
    return value if 0 <= value <= 60 else None
