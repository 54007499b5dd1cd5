"""Settings: environment (COACH_*), then the TOML config file, then defaults."""

from __future__ import annotations

import difflib
import tomllib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict
from pydantic_settings.exceptions import SettingsError

from coach.errors import ConfigError
from coach.knowledge.models import Role
from coach.paths import Paths, resolve_paths


class InterviewSettings(BaseModel):
    """How interviews run."""

    model_config = ConfigDict(extra="forbid")

    followups: int = Field(default=2, ge=0, le=5)
    """Most follow-up questions asked after one answer."""
    questions: int = Field(default=5, ge=1, le=50)
    """Questions in a session when none is given."""
    role: Role = "ml-engineer"
    """The role sessions prepare for by default."""
    mock_minutes_per_question: int = Field(default=6, ge=1, le=60)
    """Time per question in mock mode."""


class Settings(BaseSettings):
    """All settings; each can be set as COACH_<NAME> or in the config file."""

    model_config = SettingsConfigDict(
        env_prefix="COACH_",
        env_nested_delimiter="__",
        extra="forbid",
        validate_default=True,
    )

    provider: str = "offline"
    """Chat provider: offline, fake, openai/MODEL, openai-compatible (with base_url), local."""
    model: str = ""
    """Model name for the provider (for example gpt-4o-mini or llama3.1)."""
    base_url: str = ""
    """Base URL of an OpenAI-compatible server, e.g. http://127.0.0.1:11434/v1."""
    api_key: SecretStr = SecretStr("")
    """API key; also read from OPENAI_API_KEY when empty."""
    timeout: float = Field(default=60.0, gt=0, le=600)
    """Seconds to wait for one LLM request."""
    temperature: float = Field(default=0.2, ge=0, le=2)
    """Sampling temperature for the LLM."""
    max_retries: int = Field(default=2, ge=0, le=10)
    """Retries after a timeout, connection error, 429 or 5xx."""
    chroma_url: str = ""
    """URL of a shared Chroma server; empty means the embedded store in the data dir."""
    theme: str = "textual-dark"
    """TUI theme name."""
    keys: dict[str, str] = Field(default_factory=dict)
    """Key binding overrides by binding id, e.g. {"submit": "ctrl+s"}."""
    interview: InterviewSettings = Field(default_factory=InterviewSettings)
    """Interview defaults."""

    @field_validator("chroma_url", "base_url")
    @classmethod
    def _url(cls, value: str) -> str:
        if value and not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/")


class _TomlSource(PydanticBaseSettingsSource):
    def __init__(self, settings_cls: type[BaseSettings], path: Path) -> None:
        super().__init__(settings_cls)
        self.path = path

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        if not self.path.exists():
            return {}
        if self.path.is_dir():
            raise ConfigError(f"{self.path}: is a folder, not a config file — remove it (or "
                              "point COACH_CONFIG at a TOML file)")
        try:
            return tomllib.loads(self.path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(
                f"{self.path}: not valid TOML ({exc}) — fix the file or move it aside"
            ) from exc
        except OSError as exc:
            raise ConfigError(f"{self.path}: cannot read the config file ({exc.strerror}) — "
                              "check its permissions") from None


def load_settings(paths: Paths | None = None, **overrides: Any) -> Settings:
    """Load settings, turning any validation problem into one clear ConfigError line."""
    resolved = paths or resolve_paths()

    class _Settings(Settings):
        @classmethod
        def settings_customise_sources(
            cls,
            settings_cls: type[BaseSettings],
            init_settings: PydanticBaseSettingsSource,
            env_settings: PydanticBaseSettingsSource,
            dotenv_settings: PydanticBaseSettingsSource,
            file_secret_settings: PydanticBaseSettingsSource,
        ) -> tuple[PydanticBaseSettingsSource, ...]:
            return (init_settings, env_settings, _TomlSource(settings_cls, resolved.config_file))

    try:
        settings = _Settings(**overrides)
    except SettingsError as exc:
        raise ConfigError(_env_problem(exc)) from None
    except ValidationError as exc:
        err = exc.errors()[0]
        name = ".".join(str(p) for p in err["loc"]) or "settings"
        if err["type"] == "extra_forbidden":
            raise ConfigError(f"unknown setting '{name}'{_closest(err['loc'])} — fix it in "
                              f"{resolved.config_file} or the environment (COACH_...)") from None
        raise ConfigError(
            f"setting '{name}': {err['msg']} — set COACH_{name.upper().replace('.', '__')} "
            f"or fix '{name}' in {resolved.config_file}"
        ) from None
    return settings


def _closest(loc: tuple[int | str, ...]) -> str:
    """'; did you mean ...?' naming the nearest valid setting at the same level, if any."""
    model: type[BaseModel] = Settings
    for part in loc[:-1]:
        field = model.model_fields.get(str(part))
        annotation = field.annotation if field is not None else None
        if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
            return ""
        model = annotation
    names = list(model.model_fields)
    match = difflib.get_close_matches(str(loc[-1]), names, n=1, cutoff=0.6)
    if not match:
        return f" (valid here: {', '.join(names)})"
    prefix = ".".join(str(p) for p in loc[:-1])
    return f"; did you mean '{prefix + '.' if prefix else ''}{match[0]}'?"


def _env_problem(exc: SettingsError) -> str:
    """One line for a COACH_* variable that should hold JSON and does not."""
    import re

    found = re.search(r'field "([^"]+)"', str(exc))
    name = found.group(1) if found else ""
    if not name:
        return f"settings: {exc} — check the COACH_* environment variables"
    example = {"keys": '{"submit": "ctrl+s"}', "interview": '{"followups": 1}'}.get(
        name, "valid JSON")
    return (f"COACH_{name.upper()}: not valid JSON — write it as JSON, e.g. "
            f"COACH_{name.upper()}='{example}', or unset it")


def api_key(settings: Settings) -> str:
    import os

    return settings.api_key.get_secret_value() or os.environ.get("OPENAI_API_KEY", "")


def with_overrides(settings: Settings, values: dict[str, Any],
                   names: dict[str, str] | None = None) -> Settings:
    """A copy of `settings` with `values` checked and applied, for one run (flags).

    A bad value raises one ConfigError naming where it came from: `names` maps a field to
    its flag, e.g. {"timeout": "--timeout"}.
    """
    updated = settings.model_copy()
    validator = type(settings).__pydantic_validator__
    for field, value in values.items():
        label = (names or {}).get(field, f"setting '{field}'")
        if field not in Settings.model_fields:
            raise ConfigError(f"{label}: no such setting")
        try:
            validator.validate_assignment(updated, field, value)
        except ValidationError as exc:
            msg = str(exc.errors()[0]["msg"]).removeprefix("Value error, ")
            got = "" if field == "api_key" else f" (got {value!r})"
            raise ConfigError(f"{label}: {msg}{got}") from None
    return updated
