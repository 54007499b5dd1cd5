"""Provider failures, each with a short reason that ends up on the offline fall-back label."""

from __future__ import annotations

from coach.errors import ProviderError


class ProviderUnavailable(ProviderError):
    """Timeout, connection error, 429 or 5xx that survived the retries."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


class ProviderRejected(ProviderError):
    """A request the server refused for good (bad key, unknown model, bad request)."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


class ProviderOutputError(ProviderError):
    """Structured output that stayed malformed after one repair attempt."""

    reason = "malformed structured output"


def reason_of(exc: BaseException) -> str:
    """The short reason shown in 'offline (llm failed: REASON)'."""
    return str(getattr(exc, "reason", "") or type(exc).__name__)
