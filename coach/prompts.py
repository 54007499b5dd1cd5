"""Prompt templates are files in prompts/, rendered with strict variables."""

from __future__ import annotations

import hashlib
import string
from collections.abc import Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from coach.errors import CoachError
from coach.paths import prompts_dir


class _Strict(string.Formatter):
    def get_value(self, key: int | str, args: Sequence[Any], kwargs: Mapping[str, Any]) -> Any:
        if isinstance(key, str) and key not in kwargs:
            raise CoachError(f"prompt variable '{key}' was not given — this is a bug in coach")
        return super().get_value(key, args, kwargs)


@lru_cache(maxsize=64)
def _read(name: str, folder: str) -> str:
    path = Path(folder) / f"{name}.md"
    if not path.exists():
        raise CoachError(f"{path}: prompt template missing — restore it from version control")
    return path.read_text(encoding="utf-8").strip()


def template(name: str, folder: Path | None = None) -> str:
    return _read(name, str(folder or prompts_dir()))


def variants(name: str, folder: Path | None = None) -> list[str]:
    """A template file may hold several phrasings separated by lines of '---'."""
    return [v.strip() for v in template(name, folder).split("\n---\n") if v.strip()]


def render(name: str, variant_key: str = "", folder: Path | None = None, **values: Any) -> str:
    """Render a template; with several phrasings, variant_key picks one deterministically."""
    options = variants(name, folder)
    index = int(hashlib.md5(variant_key.encode()).hexdigest(), 16) % len(options) if (
        variant_key) else 0
    return _Strict().format(options[index], **values)
