"""Write setting changes into the TOML config file, keeping the entries already there."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any

from coach.errors import ConfigError


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # a valid TOML basic string
    if isinstance(value, list):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    raise ConfigError(f"cannot write {type(value).__name__} to the config file — edit it by hand")


def _key(key: str) -> str:
    bare = key.replace("-", "").replace("_", "").isalnum()
    return key if bare else json.dumps(key)


def dumps(data: dict[str, Any]) -> str:
    """TOML for a dict of scalars plus one level of tables (what Settings holds)."""
    lines = [f"{_key(k)} = {_value(v)}" for k, v in data.items() if not isinstance(v, dict)]
    for name, table in data.items():
        if isinstance(table, dict):
            lines += ["", f"[{_key(name)}]"]
            lines += [f"{_key(k)} = {_value(v)}" for k, v in table.items()]
    return "\n".join(lines) + "\n"


def update_config(path: Path, changes: dict[str, Any]) -> None:
    """Merge changes into the file (top-level keys), written atomically."""
    current: dict[str, Any] = {}
    if path.exists():
        try:
            current = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{path}: not valid TOML ({exc}) — fix the file or move it "
                              "aside before saving from the app") from None
    current.update(changes)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".toml.tmp")
    try:
        tmp.write_text(dumps(current), encoding="utf-8")
        tmp.replace(path)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot write the config ({exc.strerror}) — check the "
                          "folder's permissions") from None
