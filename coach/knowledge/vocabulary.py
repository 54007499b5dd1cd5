"""The bank's fixed words (tracks, roles, difficulties, kinds, dimensions), with no pydantic:
the home screen and the settings need them before anything heavy loads."""

from __future__ import annotations

from typing import Literal

Track = Literal[
    "fundamentals",
    "data",
    "algorithms",
    "evaluation",
    "deep-learning",
    "genai",
    "mlops",
    "data-engineering",
    "system-design",
    "coding",
    "behavioral",
    "career",
]
TRACKS: tuple[str, ...] = Track.__args__  # type: ignore[attr-defined]
Role = Literal["ml-engineer", "data-scientist", "mlops-engineer", "ai-engineer"]
ROLES: tuple[str, ...] = Role.__args__  # type: ignore[attr-defined]
Difficulty = Literal["easy", "medium", "hard"]
DIFFICULTIES: tuple[str, ...] = Difficulty.__args__  # type: ignore[attr-defined]
Kind = Literal["technical", "behavioral", "system_design", "coding"]
KINDS: tuple[str, ...] = Kind.__args__  # type: ignore[attr-defined]
Dimension = Literal[
    "requirements", "data", "features", "model", "serving", "monitoring", "tradeoffs", "scale"
]
DIMENSIONS: tuple[str, ...] = Dimension.__args__  # type: ignore[attr-defined]
