"""Errors a user can cause; each reaches the user as one clear line."""

from __future__ import annotations


class CoachError(Exception):
    """A problem the user can fix; the message says what is wrong and what to do."""


class ConfigError(CoachError):
    """A bad setting or config file."""


class KnowledgeError(CoachError):
    """The knowledge base cannot be loaded."""


class StorageError(CoachError):
    """The database cannot be opened or written."""


class NotFoundError(CoachError):
    """A question, note or session id that does not exist."""


class ProviderError(CoachError):
    """An LLM provider could not be reached or answered badly."""
