"""Settings: environment (COACH_*), then the TOML config file, then defaults.

Loading needs neither pydantic nor pydantic-settings (the TUI reads the settings before its
first frame): the sources are read here the way pydantic-settings read them (COACH_* names
in any case, `__` nesting, JSON for `keys` and `interview`), and a value is accepted on the
spot only when it is plainly valid (a string for a text setting, a number in range, a known
role). Anything else (a bad value, an unknown name, a number written as " 5 " or 1_000) is
checked by the pydantic model of the settings, imported then, which names the problem or
converts the value exactly as before.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Mapping
from contextlib import suppress
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from coach.errors import ConfigError
from coach.knowledge.vocabulary import ROLES, Role
from coach.paths import Paths, resolve_paths

if TYPE_CHECKING:
    from pydantic import BaseModel

ENV_PREFIX = "COACH_"
NESTED = "__"
URL_FIELDS = ("base_url", "chroma_url")


class SecretStr:
    """A string that never shows itself in a repr, a str() or a dump (the API key)."""

    __slots__ = ("_secret_value",)

    def __init__(self, value: str) -> None:
        self._secret_value = value

    def get_secret_value(self) -> str:
        return self._secret_value

    def __str__(self) -> str:
        return "**********" if self._secret_value else ""

    def __repr__(self) -> str:
        return f"SecretStr('{self}')"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SecretStr) and other._secret_value == self._secret_value

    def __hash__(self) -> int:
        return hash(self._secret_value)

    def __len__(self) -> int:
        return len(self._secret_value)


class _Fields:
    """A plain settings object: attributes, copy with changes, dump, equality, repr."""

    def __init__(self, **values: Any) -> None:
        self.__dict__.update(_checked(type(self), values))

    @classmethod
    def _valid(cls, values: dict[str, Any]) -> Any:
        made = object.__new__(cls)
        made.__dict__.update(values)
        return made

    def model_copy(self, *, update: Mapping[str, Any] | None = None) -> Any:
        """A shallow copy with `update` applied as given (like pydantic, not re-checked)."""
        return self._valid({**self.__dict__, **(update or {})})

    def model_dump(self) -> dict[str, Any]:
        return {k: v.model_dump() if isinstance(v, _Fields) else
                dict(v) if isinstance(v, dict) else v for k, v in self.__dict__.items()}

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other.__dict__ == self.__dict__

    __hash__ = None  # type: ignore[assignment]  # mutable, like a pydantic model

    def __repr__(self) -> str:
        fields = ", ".join(f"{k}={v!r}" for k, v in self.__dict__.items())
        return f"{type(self).__name__}({fields})"


class InterviewSettings(_Fields):
    """How interviews run."""

    followups: int = 2
    """Most follow-up questions asked after one answer (0 to 5)."""
    questions: int = 5
    """Questions in a session when none is given (1 to 50)."""
    role: Role = "ml-engineer"
    """The role sessions prepare for by default."""
    mock_minutes_per_question: int = 6
    """Time per question in mock mode (1 to 60)."""


class Settings(_Fields):
    """All settings; each can be set as COACH_<NAME> or in the config file.

    `Settings(**values)` reads the environment under the values given, as pydantic-settings
    did; `load_settings` adds the config file.
    """

    provider: str = "offline"
    """Chat provider: offline, fake, openai/MODEL, openai-compatible (with base_url), local."""
    model: str = ""
    """Model name for the provider (for example gpt-4o-mini or llama3.1)."""
    base_url: str = ""
    """Base URL of an OpenAI-compatible server, e.g. http://127.0.0.1:11434/v1."""
    api_key: SecretStr = SecretStr("")
    """API key; also read from OPENAI_API_KEY when empty."""
    timeout: float = 60.0
    """Seconds to wait for one LLM request (above 0, at most 600)."""
    temperature: float = 0.2
    """Sampling temperature for the LLM (0 to 2)."""
    max_retries: int = 2
    """Retries after a timeout, connection error, 429 or 5xx (0 to 10)."""
    chroma_url: str = ""
    """URL of a shared Chroma server; empty means the embedded store in the data dir."""
    theme: str = "textual-dark"
    """TUI theme name."""
    keys: dict[str, str]
    """Key binding overrides by binding id, e.g. {"submit": "ctrl+s"}."""
    interview: InterviewSettings
    """Interview defaults."""


# Field names in declaration order (the order problems are reported in) and their defaults.
FIELDS: dict[str, tuple[str, ...]] = {
    "Settings": ("provider", "model", "base_url", "api_key", "timeout", "temperature",
                 "max_retries", "chroma_url", "theme", "keys", "interview"),
    "InterviewSettings": ("followups", "questions", "role", "mock_minutes_per_question"),
}
_COMPLEX = ("keys", "interview")  # read from the environment as JSON


# Bounds of the numbers, (low, high) inclusive; the timeout must be above 0.
LIMITS: dict[str, tuple[int, int]] = {
    "timeout": (0, 600), "temperature": (0, 2), "max_retries": (0, 10),
    "followups": (0, 5), "questions": (1, 50), "mock_minutes_per_question": (1, 60),
}


def _defaults(cls: type[_Fields]) -> dict[str, Any]:
    out = {name: getattr(cls, name, None) for name in FIELDS[cls.__name__]}
    if cls is Settings:
        out["keys"] = {}
        out["interview"] = InterviewSettings._valid(_defaults(InterviewSettings))
    return out


# -- the exact checks (pydantic, imported only for a value the quick checks cannot accept) ----


@cache
def _exact_model() -> type[BaseModel]:
    """The settings as a pydantic model: the one authority on what is valid and on the wording
    of every problem."""
    from pydantic import BaseModel, ConfigDict, Field, field_validator
    from pydantic import SecretStr as PydanticSecret

    def bounded(name: str, default: float) -> Any:
        low, high = LIMITS[name]
        if name == "timeout":
            return Field(default=default, gt=low, le=high)
        return Field(default=default, ge=low, le=high)

    class InterviewSettings(BaseModel):
        model_config = ConfigDict(extra="forbid")

        followups: int = bounded("followups", 2)
        questions: int = bounded("questions", 5)
        role: Role = "ml-engineer"
        mock_minutes_per_question: int = bounded("mock_minutes_per_question", 6)

    class Settings(BaseModel):
        model_config = ConfigDict(extra="forbid", validate_default=True)

        provider: str = "offline"
        model: str = ""
        base_url: str = ""
        api_key: PydanticSecret = PydanticSecret("")
        timeout: float = bounded("timeout", 60.0)
        temperature: float = bounded("temperature", 0.2)
        max_retries: int = bounded("max_retries", 2)
        chroma_url: str = ""
        theme: str = "textual-dark"
        keys: dict[str, str] = Field(default_factory=dict)
        interview: InterviewSettings = Field(default_factory=InterviewSettings)

        @field_validator(*URL_FIELDS)
        @classmethod
        def _url(cls, value: str) -> str:
            return _url_or_raise(value)

    return Settings


def _url_or_raise(value: str) -> str:
    if value and not value.startswith(("http://", "https://")):
        raise ValueError("must start with http:// or https://")
    return value.rstrip("/")


class _Problem(Exception):
    """The first problem pydantic found: where (loc), its kind and its words."""

    def __init__(self, loc: tuple[int | str, ...], kind: str, msg: str) -> None:
        super().__init__(msg)
        self.loc, self.kind, self.msg = loc, kind, msg


def _plain(value: Any) -> Any:
    """Our own objects as the plain data the pydantic model reads."""
    if isinstance(value, SecretStr):
        return value.get_secret_value()
    if isinstance(value, InterviewSettings):
        return dict(value.__dict__)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _exact(data: dict[str, Any], field: str | None = None) -> dict[str, Any]:
    """Check with the pydantic model: every field's value, or with `field` only that one."""
    from pydantic import ValidationError

    model = _exact_model()
    try:
        if field is None:
            checked = model.model_validate(_plain(data))
        else:
            checked = model.model_construct()
            model.__pydantic_validator__.validate_assignment(checked, field, _plain(data[field]))
    except ValidationError as exc:
        err = exc.errors()[0]
        raise _Problem(tuple(err["loc"]), err["type"], str(err["msg"])) from None
    out = dict(checked.__dict__)
    out["api_key"] = SecretStr(out["api_key"].get_secret_value())
    out["interview"] = InterviewSettings._valid(dict(out["interview"].__dict__))
    out["keys"] = dict(out["keys"])
    return out if field is None else {field: out[field]}


# -- the quick checks: accept only what is plainly valid, leave the rest to `_exact` -----------

_NO = object()
_WHOLE = re.compile(r"0|[1-9][0-9]{0,17}", re.ASCII)
_DECIMAL = re.compile(r"(?:0|[1-9][0-9]{0,17})(?:\.[0-9]{1,17})?", re.ASCII)


def _quick_int(value: Any, low: int, high: int) -> Any:
    if type(value) is int:
        number = value
    elif ((type(value) is float and math.isfinite(value) and value.is_integer())
          or (type(value) is str and _WHOLE.fullmatch(value))):
        number = int(value)
    else:
        return _NO
    return number if low <= number <= high else _NO


def _quick_float(value: Any, low: float, high: float, *, low_included: bool) -> Any:
    if type(value) in (int, float):
        if abs(value) > 1e15:
            return _NO
        number = float(value)
    elif type(value) is str and _DECIMAL.fullmatch(value):
        number = float(value)
    else:
        return _NO
    above = number >= low if low_included else number > low
    return number if above and number <= high and math.isfinite(number) else _NO


def _quick_interview(value: Any) -> Any:
    if isinstance(value, InterviewSettings):
        return value
    if type(value) is not dict or not set(value) <= set(FIELDS["InterviewSettings"]):
        return _NO
    out = _defaults(InterviewSettings)
    for name, raw in value.items():
        if name == "role":
            checked = raw if type(raw) is str and raw in ROLES else _NO
        else:
            checked = _quick_int(raw, *LIMITS[name])
        if checked is _NO:
            return _NO
        out[name] = checked
    return InterviewSettings._valid(out)


def _quick(name: str, value: Any) -> Any:
    """The value as the setting holds it, or _NO when the exact check must decide."""
    if name in ("provider", "model", "theme"):
        return value if type(value) is str else _NO
    if name in URL_FIELDS:
        if type(value) is not str or (value and not value.startswith(("http://", "https://"))):
            return _NO
        return value.rstrip("/")
    if name == "api_key":
        if isinstance(value, SecretStr):
            return value
        return SecretStr(value) if type(value) is str else _NO
    if name in ("timeout", "temperature"):
        return _quick_float(value, *LIMITS[name], low_included=name != "timeout")
    if name == "max_retries":
        return _quick_int(value, *LIMITS[name])
    if name == "keys":
        if type(value) is not dict or not all(type(k) is str and type(v) is str
                                              for k, v in value.items()):
            return _NO
        return dict(value)
    if name == "interview":
        return _quick_interview(value)
    return _NO  # not a setting: the exact check names it


def _checked(cls: type[_Fields], data: dict[str, Any]) -> dict[str, Any]:
    """`Settings(**values)`: the values over the environment (no file), as pydantic-settings
    built it; `InterviewSettings(**values)`: the values. Each checked; ConfigError if bad."""
    if cls is InterviewSettings:
        data = {"interview": data}
    values = _load(data, None, "the environment (COACH_...)")
    return dict(values["interview"].__dict__) if cls is InterviewSettings else values


def _validated(data: dict[str, Any]) -> dict[str, Any]:
    out = _defaults(Settings)
    for name, value in data.items():
        checked = _quick(name, value)
        if checked is _NO:
            return _exact(data)  # the first problem in field order, worded by pydantic
        out[name] = checked
    return out


# -- the sources ------------------------------------------------------------------------------


def _deep_update(base: dict[str, Any], update: dict[str, Any]) -> dict[str, Any]:
    """`base` with `update` on top; nested tables merge (pydantic's deep_update)."""
    out = base.copy()
    for key, value in update.items():
        if key in out and isinstance(out[key], dict) and isinstance(value, dict):
            out[key] = _deep_update(out[key], value)
        else:
            out[key] = value
    return out


class _EnvJSONError(Exception):
    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


def _nested_env(name: str, env: dict[str, str]) -> dict[str, Any]:
    """COACH_<NAME>__A__B=value as {"a": {"b": value}} (names already lower-case)."""
    prefix = f"{ENV_PREFIX.lower()}{name}{NESTED}"
    inner = set(FIELDS["InterviewSettings"]) | {ENV_PREFIX.lower() + f
                                                  for f in FIELDS["InterviewSettings"]}
    result: dict[str, Any] = {}
    for env_name, env_val in env.items():
        if not env_name.startswith(prefix):
            continue
        *path, last = env_name[len(prefix):].split(NESTED)
        node: Any = result
        # What the name points at: "field" (a setting of the table), "value" (a value of the
        # keys table), or None (nothing known: deeper than either).
        target: str | None = "table"
        for key in path:
            target = _next_target(name, target, key, inner)
            if isinstance(node, dict):
                node = node.setdefault(key, {})
        target = _next_target(name, target, last, inner)
        if target is None and name == "keys" and env_val:
            import json

            # A value below the keys table may be JSON (pydantic-settings tried it).
            with suppress(ValueError):
                env_val = json.loads(env_val)
        if isinstance(node, dict):
            node[last] = env_val
    return result


def _next_target(name: str, target: str | None, key: str, inner: set[str]) -> str | None:
    if target != "table":
        return None
    if name == "keys":
        return "value"
    return "field" if key.lower() in inner else None


def _env_source(environ: Mapping[str, str]) -> dict[str, Any]:
    """The COACH_* variables that name settings (any case); others are not settings."""
    env = {k.lower(): v for k, v in environ.items()}
    data: dict[str, Any] = {}
    for name in FIELDS["Settings"]:
        value: Any = env.get(ENV_PREFIX.lower() + name)
        if name not in _COMPLEX:
            if value is not None:
                data[name] = value
            continue
        if value is None:
            value = _nested_env(name, env) or None
        else:
            import json

            try:
                value = json.loads(value)
            except ValueError:
                raise _EnvJSONError(name) from None
            if isinstance(value, dict):
                value = _deep_update(value, _nested_env(name, env))
        if value is None:
            continue
        if name == "interview" and isinstance(value, dict):
            # Table names match in any case, e.g. {"FOLLOWUPS": 1}.
            value = {next((f for f in FIELDS["InterviewSettings"] if f.lower() == k.lower()), k): v
                     for k, v in value.items()}
        data[name] = value
    return data


def _toml_source(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {}
    import tomllib  # only when there is a file to read

    if path.is_dir():
        raise ConfigError(f"{path}: is a folder, not a config file — remove it (or "
                          "point COACH_CONFIG at a TOML file)")
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc}) — fix the file or move it aside"
                          ) from exc
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the config file ({exc.strerror}) — "
                          "check its permissions") from None


def _merged(overrides: dict[str, Any], environ: Mapping[str, str],
            config_file: Path | None) -> dict[str, Any]:
    """Overrides over the environment over the file (read after the environment)."""
    state = _deep_update(_env_source(environ), overrides)
    file = {} if config_file is None else _toml_source(config_file)
    return _deep_update(file, state)


# -- the public API ---------------------------------------------------------------------------


def load_settings(paths: Paths | None = None, **overrides: Any) -> Settings:
    """Load settings, turning any validation problem into one clear ConfigError line."""
    resolved = paths or resolve_paths()
    settings: Settings = Settings._valid(
        _load(overrides, resolved.config_file, str(resolved.config_file)))
    return settings


def _load(overrides: dict[str, Any], config_file: Path | None, where: str) -> dict[str, Any]:
    """Every setting's checked value; a problem is one ConfigError line naming it."""
    try:
        return _validated(_merged(overrides, os.environ, config_file))
    except _EnvJSONError as exc:
        raise ConfigError(_env_problem(exc.name)) from None
    except _Problem as err:
        name = ".".join(str(p) for p in err.loc) or "settings"
        if err.kind == "extra_forbidden":
            raise ConfigError(f"unknown setting '{name}'{_closest(err.loc)} — fix it in "
                              f"{where} or the environment (COACH_...)") from None
        raise ConfigError(
            f"setting '{name}': {err.msg} — set COACH_{name.upper().replace('.', '__')} "
            f"or fix '{name}' in {where}"
        ) from None


def _closest(loc: tuple[int | str, ...]) -> str:
    """'; did you mean ...?' naming the nearest valid setting at the same level, if any."""
    import difflib

    level = "Settings"
    for part in loc[:-1]:
        if level != "Settings" or part != "interview":
            return ""
        level = "InterviewSettings"
    names = list(FIELDS[level])
    match = difflib.get_close_matches(str(loc[-1]), names, n=1, cutoff=0.6)
    if not match:
        return f" (valid here: {', '.join(names)})"
    prefix = ".".join(str(p) for p in loc[:-1])
    return f"; did you mean '{prefix + '.' if prefix else ''}{match[0]}'?"


def _env_problem(name: str) -> str:
    """One line for a COACH_* variable that should hold JSON and does not."""
    example = {"keys": '{"submit": "ctrl+s"}', "interview": '{"followups": 1}'}.get(
        name, "valid JSON")
    return (f"COACH_{name.upper()}: not valid JSON — write it as JSON, e.g. "
            f"COACH_{name.upper()}='{example}', or unset it")


def api_key(settings: Settings) -> str:
    return settings.api_key.get_secret_value() or os.environ.get("OPENAI_API_KEY", "")


def with_overrides(settings: Settings, values: dict[str, Any],
                   names: dict[str, str] | None = None) -> Settings:
    """A copy of `settings` with `values` checked and applied, for one run (flags).

    A bad value raises one ConfigError naming where it came from: `names` maps a field to
    its flag, e.g. {"timeout": "--timeout"}.
    """
    changes: dict[str, Any] = {}
    for field, value in values.items():
        label = (names or {}).get(field, f"setting '{field}'")
        if field not in FIELDS["Settings"]:
            raise ConfigError(f"{label}: no such setting")
        checked = _quick(field, value)
        if checked is _NO:
            try:
                checked = _exact({field: value}, field)[field]
            except _Problem as exc:
                msg = exc.msg.removeprefix("Value error, ")
                got = "" if field == "api_key" else f" (got {value!r})"
                raise ConfigError(f"{label}: {msg}{got}") from None
        changes[field] = checked
    updated: Settings = settings.model_copy(update=changes)
    return updated
