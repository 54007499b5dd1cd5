"""Settings load without pydantic-settings exactly as they did with it.

The reference below is the former loader (a pydantic-settings model with the config file as
its last source); every case (environment, config file, overrides, flags) must give the same
values or the same one-line error from both.
"""

from __future__ import annotations

import difflib
import os
import random
import tomllib
from pathlib import Path
from typing import Any

import pytest

from coach.errors import ConfigError
from coach.knowledge.vocabulary import Role
from coach.paths import resolve_paths
from coach.settings import load_settings, with_overrides

pydantic_settings = pytest.importorskip("pydantic_settings")

from pydantic import (  # noqa: E402
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
)
from pydantic_settings import (  # noqa: E402
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)
from pydantic_settings.exceptions import SettingsError  # noqa: E402

# -- the former loader ------------------------------------------------------------------------

CONFIG: list[Path] = []  # the config file the reference reads


class InterviewSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    followups: int = Field(default=2, ge=0, le=5)
    questions: int = Field(default=5, ge=1, le=50)
    role: Role = "ml-engineer"
    mock_minutes_per_question: int = Field(default=6, ge=1, le=60)


class _Toml(PydanticBaseSettingsSource):
    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        path = CONFIG[0]
        if not path.exists():
            return {}
        if path.is_dir():
            raise ConfigError(f"{path}: is a folder, not a config file — remove it (or "
                              "point COACH_CONFIG at a TOML file)")
        try:
            return tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(
                f"{path}: not valid TOML ({exc}) — fix the file or move it aside") from exc


class RefSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="COACH_", env_nested_delimiter="__",
                                      extra="forbid", validate_default=True)

    provider: str = "offline"
    model: str = ""
    base_url: str = ""
    api_key: SecretStr = SecretStr("")
    timeout: float = Field(default=60.0, gt=0, le=600)
    temperature: float = Field(default=0.2, ge=0, le=2)
    max_retries: int = Field(default=2, ge=0, le=10)
    chroma_url: str = ""
    theme: str = "textual-dark"
    keys: dict[str, str] = Field(default_factory=dict)
    interview: InterviewSettings = Field(default_factory=InterviewSettings)

    @field_validator("chroma_url", "base_url")
    @classmethod
    def _url(cls, value: str) -> str:
        if value and not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/")

    @classmethod
    def settings_customise_sources(cls, settings_cls: type[BaseSettings],
                                   init_settings: PydanticBaseSettingsSource,
                                   env_settings: PydanticBaseSettingsSource,
                                   dotenv_settings: PydanticBaseSettingsSource,
                                   file_secret_settings: PydanticBaseSettingsSource,
                                   ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings, _Toml(settings_cls))


def _closest(loc: tuple[int | str, ...]) -> str:
    model: type[BaseModel] = RefSettings
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


def reference(**overrides: Any) -> dict[str, Any] | str:
    """The former load_settings: the values, or the error line."""
    import re

    config = CONFIG[0]
    try:
        settings = RefSettings(**overrides)
    except SettingsError as exc:
        found = re.search(r'field "([^"]+)"', str(exc))
        name = found.group(1) if found else ""
        example = {"keys": '{"submit": "ctrl+s"}', "interview": '{"followups": 1}'}[name]
        return (f"COACH_{name.upper()}: not valid JSON — write it as JSON, e.g. "
                f"COACH_{name.upper()}='{example}', or unset it")
    except ConfigError as exc:
        return str(exc)
    except ValidationError as exc:
        err = exc.errors()[0]
        name = ".".join(str(p) for p in err["loc"]) or "settings"
        if err["type"] == "extra_forbidden":
            return (f"unknown setting '{name}'{_closest(err['loc'])} — fix it in "
                    f"{config} or the environment (COACH_...)")
        return (f"setting '{name}': {err['msg']} — set COACH_{name.upper().replace('.', '__')} "
                f"or fix '{name}' in {config}")
    dump = settings.model_dump()
    dump["api_key"] = settings.api_key.get_secret_value()
    return dump


def reference_flags(values: dict[str, Any]) -> dict[str, Any] | str:
    updated = RefSettings.model_construct()
    for field, value in values.items():
        try:
            RefSettings.__pydantic_validator__.validate_assignment(updated, field, value)
        except ValidationError as exc:
            msg = str(exc.errors()[0]["msg"]).removeprefix("Value error, ")
            got = "" if field == "api_key" else f" (got {value!r})"
            return f"--{field}: {msg}{got}"
    return {k: getattr(updated, k) for k in values}


def ours(**overrides: Any) -> dict[str, Any] | str:
    try:
        settings = load_settings(**overrides)
    except ConfigError as exc:
        return str(exc)
    dump = settings.model_dump()
    dump["api_key"] = settings.api_key.get_secret_value()
    return dump


def ours_flags(values: dict[str, Any]) -> dict[str, Any] | str:
    try:
        updated = with_overrides(load_settings(), values, {k: f"--{k}" for k in values})
    except ConfigError as exc:
        return str(exc)
    return {k: getattr(updated, k) for k in values}


# -- the cases --------------------------------------------------------------------------------

NUMBERS = ["5", "0", "1", "2", "10", "11", "50", "51", "55", "60", "61", "600", "601", "2.0",
           "2.01", "600.0", "600.5", "0.0", "0.5", "2.5", "-1", "-0", " 5 ", "5 ",
           "+3", "1_0", "1__0", "_1", "05", "007", "5.", "5.0", "5.00", ".5", "1e2", "1E-1",
           "inf", "-inf", "nan", "NaN", "Infinity", "soon", "", "0x10", "٣", "1.5e300",
           "99999999999999999999", "\u20035", "0-4", "true", "null", "[1]", "\udcff"]
TEXTS = ["", "x", "offline", "openai/gpt-4o-mini", "http://h:1/v1/", "https://h//", "ftp://x",
         "HTTP://x", " http://x", "ml-engineer", "ai-engineer", "ML-ENGINEER", "textual-light"]
FIELDS = ["provider", "model", "base_url", "api_key", "timeout", "temperature", "max_retries",
          "chroma_url", "theme", "keys", "interview"]
INNER = ["followups", "questions", "role", "mock_minutes_per_question"]
TOML_VALUES = ['5', '0', '-1', '700', '2.5', '0.0', '1e300', 'nan', 'inf', '-inf', 'true',
               'false', '"5"', '" 5 "', '"x"', '"ml-engineer"', '"http://x/"', '"ftp://x"',
               '[1]', '[]', '{}', '{a = "b"}', '{a = 1}', '1979-05-27', '1979-05-27T07:32:00Z',
               '07:32:00', '9223372036854775807', '0.1']
JSON_VALUES = ['{"submit": "ctrl+s"}', '{"followups": 1}',
               '{"FOLLOWUPS": 1, "Role": "ai-engineer"}', '{bad', '', 'null', '[]', '"x"', '5',
               '{"followups": "x"}', '{"folowups": 1}', '{"a": 1}', '{"a": {"b": "c"}}', 'NaN',
               '{"questions": 1.0}']


def _env_items(rng: random.Random) -> dict[str, str]:
    kind = rng.randrange(6)
    if kind == 0:
        name = rng.choice(FIELDS[:9])
        return {f"COACH_{name.upper()}": rng.choice(NUMBERS + TEXTS)}
    if kind == 1:
        return {f"COACH_{rng.choice(['KEYS', 'INTERVIEW', 'keys', 'Interview'])}":
                rng.choice(JSON_VALUES)}
    if kind == 2:
        inner = rng.choice([*INNER, "folowups", "x", "ROLE", "role__x", "followups__a", ""])
        return {f"COACH_INTERVIEW__{inner}": rng.choice(NUMBERS[:8] + TEXTS + JSON_VALUES)}
    if kind == 3:
        inner = rng.choice(["submit", "SUBMIT", "a__b", "a__b__c", ""])
        return {f"COACH_KEYS__{inner}": rng.choice(['ctrl+s', '5', '{"c": "d"}', '', 'null',
                                                    '"q"', '[1]'])}
    if kind == 4:
        return {rng.choice(["COACH_PROVIDR", "COACH_TORCH_THREADS", "COACH_TIMEOUT__X",
                            "coach_timeout", "Coach_Model", "COACH_"]): rng.choice(NUMBERS)}
    return {}


def _toml(rng: random.Random) -> str | None:
    kind = rng.randrange(5)
    if kind == 0:
        return None
    if kind == 1:
        name = rng.choice([*FIELDS, "providr", "Provider", "folowups"])
        return f"{name} = {rng.choice(TOML_VALUES)}\n"
    if kind == 2:
        name = rng.choice([*INNER, "folowups", "Followups", "zz"])
        return f"[interview]\n{name} = {rng.choice(TOML_VALUES)}\n"
    if kind == 3:
        return f'[keys]\nsubmit = {rng.choice(TOML_VALUES)}\n'
    return rng.choice(["provider = [unclosed\n", 'model = "m"\ntimeout = 12\n[interview]\n'
                       'followups = 1\n', "interview = 5\n", 'keys = "x"\n', "\xff"])


def _overrides(rng: random.Random) -> dict[str, Any]:
    kind = rng.randrange(4)
    if kind == 0:
        return {}
    if kind == 1:
        return {rng.choice(["provider", "model", "base_url"]): rng.choice(TEXTS)}
    if kind == 2:
        return {rng.choice(["timeout", "max_retries", "temperature"]):
                rng.choice([0, 1, 3, 2.5, 700, -1, True, "3"])}
    return {rng.choice(["keys", "interview", "nonsense"]):
            rng.choice([{"submit": "ctrl+y", "nonsense": "x"}, {"followups": 0}, {"x": 1}, 5])}


FIXED: list[tuple[dict[str, str], str | None, dict[str, Any]]] = [
    ({"COACH_TIMEOUT": "30"}, 'model = "from-file"\ntimeout = 12\n[interview]\nfollowups = 1\n',
     {}),
    ({"COACH_KEYS": '{"a": "b"}'}, '[keys]\nc = "d"\n', {}),  # the tables merge
    ({"COACH_INTERVIEW": '{"questions": 3}', "COACH_INTERVIEW__FOLLOWUPS": "1"},
     '[interview]\nrole = "ai-engineer"\n', {}),
    ({"COACH_KEYS": "notjson"}, "provider = [unclosed\n", {}),  # the environment is read first
    ({"COACH_TIMEOUT": "soon", "COACH_MAX_RETRIES": "x"}, 'zz = 1\nprovidr = 2\n', {}),
    ({}, '[interview]\nfolowups = 0\n', {}),
    ({}, "provder = 'offline'\n", {}),
    ({"COACH_API_KEY": "sk-test-supersecret"}, None, {}),
    ({}, None, {"provider": "compatible/tiny", "max_retries": 0, "timeout": 3}),
]


def _cases() -> list[tuple[dict[str, str], str | None, dict[str, Any]]]:
    rng = random.Random(15)
    out = list(FIXED)
    # Each value alone, in each place: a variable, a file entry, a nested one.
    for name in FIELDS[:9]:
        out += [({f"COACH_{name.upper()}": value}, None, {}) for value in NUMBERS + TEXTS]
    for inner in INNER:
        out += [({f"COACH_INTERVIEW__{inner.upper()}": value}, None, {})
                for value in NUMBERS + TEXTS]
    for name in [*FIELDS, *(f"[interview]\n{inner}" for inner in INNER)]:
        out += [({}, f"{name} = {value}\n", {}) for value in TOML_VALUES]
    for _ in range(500):
        env: dict[str, str] = {}
        for _ in range(rng.choice([1, 1, 2, 3])):
            env.update(_env_items(rng))
        out.append((env, _toml(rng), _overrides(rng)))
    return out


def test_settings_load_exactly_as_with_pydantic_settings(coach_home: Path) -> None:
    coach_home.mkdir(parents=True)
    config = resolve_paths().config_file
    CONFIG[:] = [config]
    kept = dict(os.environ)
    differ = []
    try:
        for env, toml, overrides in _cases():
            os.environ.clear()
            os.environ.update(kept)
            os.environ.update(env)
            if toml is None:
                config.unlink(missing_ok=True)
            else:
                config.write_text(toml, encoding="utf-8", errors="surrogateescape")
            want, got = reference(**overrides), ours(**overrides)
            if want != got:
                differ.append((env, toml, overrides, want, got))
    finally:
        os.environ.clear()
        os.environ.update(kept)
    assert not differ, f"{len(differ)} case(s) differ, first: {differ[0]}"


FLAG_VALUES = [0, 1, 3, 2.0, 2.5, 600, 601, -1, float("nan"), float("inf"), True, "x", "",
               "http://h/", "ftp://x", "openai/gpt-4o-mini", 1e300, 10**30]


@pytest.mark.parametrize("field", ["provider", "model", "base_url", "timeout", "temperature",
                                   "max_retries", "api_key", "theme", "chroma_url"])
def test_flag_values_are_checked_exactly_as_before(field: str) -> None:
    for value in FLAG_VALUES:
        want, got = reference_flags({field: value}), ours_flags({field: value})
        if isinstance(want, dict) and isinstance(got, dict) and field == "api_key":
            want = {"api_key": want["api_key"].get_secret_value()}
            got = {"api_key": got["api_key"].get_secret_value()}
        assert want == got, (field, value)
