"""Package, settings and CLI basics a user meets first."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from coach.errors import ConfigError
from coach.paths import resolve_paths
from coach.settings import load_settings

HEAVY = ("torch", "chromadb", "sentence_transformers", "langchain", "langchain_core",
         "langchain_openai", "textual", "openai")


def _run(code: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, timeout=120)


def test_importing_coach_and_help_load_no_heavy_modules() -> None:
    code = (
        "import sys, io, contextlib\n"
        "import coach, coach.cli\n"
        "from coach.cli import app, _register\n"
        "_register()\n"
        "buf = io.StringIO()\n"
        "with contextlib.redirect_stdout(buf):\n"
        "    try:\n"
        "        app(['--help'], standalone_mode=False)\n"
        "    except SystemExit:\n"
        "        pass\n"
        "assert 'practice' in buf.getvalue(), buf.getvalue()\n"
        "import json; print(json.dumps(sorted(sys.modules)))\n"
    )
    proc = _run(code)
    assert proc.returncode == 0, proc.stderr
    loaded = set(json.loads(proc.stdout.strip().splitlines()[-1]))
    leaked = [m for m in HEAVY if m in loaded]
    assert not leaked, f"heavy modules imported by 'coach --help': {leaked}"


def test_core_modules_never_import_textual() -> None:
    core = ["coach.knowledge.loader", "coach.retrieval.index", "coach.storage.repo",
            "coach.grading.grader", "coach.interview.session", "coach.services", "coach.cli",
            "coach.evals.grader_eval", "coach.settings"]
    code = "import sys\n" + "".join(f"import {m}\n" for m in core) + (
        "print('textual' in sys.modules)")
    proc = _run(code)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "False"


def test_python_dash_m_coach_shows_help() -> None:
    proc = subprocess.run([sys.executable, "-m", "coach", "--help"], capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0
    assert "practice" in proc.stdout and "knowledge" in proc.stdout


def test_coach_home_relocates_config_and_data(coach_home: Path) -> None:
    paths = resolve_paths()
    assert paths.config_file == coach_home / "config.toml"
    assert paths.database.is_relative_to(coach_home)
    assert paths.index_dir.is_relative_to(coach_home)


def test_settings_from_env_and_config_file(coach_home: Path, monkeypatch: pytest.MonkeyPatch
                                           ) -> None:
    coach_home.mkdir(parents=True)
    (coach_home / "config.toml").write_text('model = "from-file"\ntimeout = 12\n'
                                            '[interview]\nfollowups = 1\n')
    monkeypatch.setenv("COACH_TIMEOUT", "30")
    settings = load_settings()
    assert settings.model == "from-file"
    assert settings.timeout == 30.0  # the environment wins over the file
    assert settings.interview.followups == 1


def test_api_key_is_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COACH_API_KEY", "sk-test-supersecret")
    settings = load_settings()
    assert "supersecret" not in repr(settings)
    assert "supersecret" not in str(settings.model_dump())
    assert settings.api_key.get_secret_value() == "sk-test-supersecret"


def test_bad_setting_is_one_clear_line_naming_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COACH_TIMEOUT", "soon")
    with pytest.raises(ConfigError) as info:
        load_settings()
    message = str(info.value)
    assert "timeout" in message and "COACH_TIMEOUT" in message and "\n" not in message


def test_broken_config_file_reaches_the_user_as_one_line(coach_home: Path) -> None:
    coach_home.mkdir(parents=True)
    (coach_home / "config.toml").write_text("provider = [unclosed\n")
    proc = subprocess.run([sys.executable, "-m", "coach", "questions", "list"],
                          capture_output=True, text=True, timeout=120,
                          env={**os.environ, "COACH_HOME": str(coach_home)})
    assert proc.returncode == 1
    lines = [x for x in proc.stderr.splitlines() if x.strip()]
    assert len(lines) == 1 and "config.toml" in lines[0] and "Traceback" not in proc.stderr


def test_unknown_setting_in_config_file_is_named(coach_home: Path) -> None:
    coach_home.mkdir(parents=True)
    (coach_home / "config.toml").write_text('providr = "openai"\n')
    with pytest.raises(ConfigError, match="providr"):
        load_settings()
