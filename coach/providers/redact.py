"""Keep secrets out of every message the coach writes or shows."""

from __future__ import annotations

import re

_KEY_SHAPES = re.compile(r"\b(sk-[A-Za-z0-9_\-]{8,}|Bearer\s+[A-Za-z0-9_\-\.]{8,})")


def redact(text: str, *secrets: str) -> str:
    """Replace each known secret (and anything shaped like an API key) with a marker."""
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, "[redacted]")
    return _KEY_SHAPES.sub("[redacted]", text)
