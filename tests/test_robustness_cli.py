"""No traceback for any mistake: usage errors, broken settings, hostile imports, huge inputs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from coach.errors import ConfigError
from coach.paths import REPO_ROOT


def guarded(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
            *args: str) -> tuple[int, str, str]:
    """Run the CLI as `coach ARGS` does (through run_guarded); (exit code, stdout, stderr)."""
    from coach.cli import _register, app
    from coach.cli.common import run_guarded

    _register()
    monkeypatch.setattr(sys, "argv", ["coach", *args])
    code = run_guarded(app)
    out = capsys.readouterr()
    return code, out.out, out.err


def one_error_line(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert "Traceback" not in err
    assert len(lines) == 1, err
    assert lines[0].startswith("error: "), err
    return lines[0]


USAGE_ERRORS = [
    (["bogus"], "No such command 'bogus'"),
    (["practice", "--bogus"], "No such option: --bogus"),
    (["grade", "--question"], "Option '--question' requires an argument"),
    (["grade", "--answer-file"], "Option '--answer-file' requires an argument"),
    (["practice", "--questions", "many"], "valid integer"),
    (["practice", "--questions", "99"], "less than or equal to 50"),
    (["report", "a", "b"], "unexpected extra argument"),
    (["knowledge", "bogus"], "No such command 'bogus'"),
    (["questions", "show"], "Missing argument 'question_id'"),
    (["export"], "Missing argument 'file'"),
]


@pytest.mark.parametrize(("args", "says"), USAGE_ERRORS, ids=[" ".join(a) for a, _ in USAGE_ERRORS])
def test_every_usage_error_is_a_usage_message_without_traceback(
        args: list[str], says: str, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = guarded(monkeypatch, capsys, *args)
    assert code == 2, err
    assert "Traceback" not in err
    last = err.strip().splitlines()[-1]
    assert last.startswith("Error: ") and says in last, err


def test_grade_with_nothing_to_grade_is_one_line(monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = guarded(monkeypatch, capsys, "grade")
    assert code in (1, 2)
    assert "Traceback" not in err and "--question" in err


@pytest.mark.slow
def test_a_usage_error_from_the_real_command_has_no_traceback(coach_home: Path) -> None:
    for args in (["bogus"], ["practice", "--bogus"], ["grade", "--question"]):
        proc = subprocess.run([sys.executable, "-m", "coach", *args], capture_output=True,
                              text=True, timeout=120, cwd=REPO_ROOT,
                              env={**os.environ, "COACH_HOME": str(coach_home)})
        assert proc.returncode == 2, proc.stderr
        assert "Traceback" not in proc.stderr
        assert proc.stderr.strip().splitlines()[-1].startswith("Error: "), proc.stderr


def test_help_still_exits_cleanly(monkeypatch: pytest.MonkeyPatch,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = guarded(monkeypatch, capsys, "grade", "--help")
    assert code == 0 and "--answer-file" in out and not err


# -- settings -------------------------------------------------------------------------------


@pytest.mark.parametrize(("var", "value"), [("COACH_KEYS", "notjson"),
                                            ("COACH_INTERVIEW", "{bad")])
def test_a_setting_that_is_not_json_is_one_line(var: str, value: str,
                                                monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv(var, value)
    code, _, err = guarded(monkeypatch, capsys, "history")
    line = one_error_line(err)
    assert code == 1
    assert f"{var}: not valid JSON" in line and "write it as JSON" in line


def test_a_config_file_that_is_a_folder_is_one_line(coach_home: Path,
                                                    monkeypatch: pytest.MonkeyPatch,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    (coach_home / "config.toml").mkdir(parents=True)
    code, _, err = guarded(monkeypatch, capsys, "history")
    line = one_error_line(err)
    assert code == 1 and "config.toml: is a folder" in line


def test_a_coach_home_that_is_a_file_is_one_line(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    home = tmp_path / "not-a-folder"
    home.write_text("x")
    monkeypatch.setenv("COACH_HOME", str(home))
    code, _, err = guarded(monkeypatch, capsys, "history")
    line = one_error_line(err)
    assert code == 1 and f"COACH_HOME={home}: is a file, not a folder" in line


def test_a_nested_typo_is_rejected_with_the_closest_name(coach_home: Path) -> None:
    from coach.settings import load_settings

    coach_home.mkdir(parents=True)
    (coach_home / "config.toml").write_text("[interview]\nfolowups = 0\n")
    with pytest.raises(ConfigError) as err:
        load_settings()
    assert "unknown setting 'interview.folowups'" in str(err.value)
    assert "did you mean 'interview.followups'?" in str(err.value)
    (coach_home / "config.toml").write_text("provder = 'offline'\n")
    with pytest.raises(ConfigError, match="did you mean 'provider'"):
        load_settings()
    (coach_home / "config.toml").write_text("[interview]\nfollowups = 0\n")
    assert load_settings().interview.followups == 0


# -- import ---------------------------------------------------------------------------------


def test_import_of_a_lone_surrogate_is_one_line_and_imports_nothing(
        coach_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    stamp = "2026-03-01T10:00:00+00:00"
    turn = {"position": 0, "question_id": "q", "state": "graded", "answer": "ok \ud800 there",
            "followups": [], "grade": None, "hints_used": 0, "skipped": False,
            "started_at": stamp, "updated_at": stamp, "track": "t", "topics": []}
    session = {"id": "s1", "created_at": stamp, "updated_at": stamp, "status": "finished",
               "role": "ml-engineer", "mode": "practice", "config": {}, "plan": {},
               "summary": None, "finished_at": None, "turns": [turn]}
    data = {"schema": "coach.export/1", "exported_at": stamp, "db_schema": 1,
            "sessions": [session], "review_state": [], "drafts": []}
    path = tmp_path / "history.json"
    path.write_text(json.dumps(data), encoding="ascii")  # the surrogate as a \ud800 escape
    assert "\\ud800" in path.read_text()
    code, _, err = guarded(monkeypatch, capsys, "import", str(path))
    line = one_error_line(err)
    assert code == 1
    assert "sessions[0].turns[0].answer" in line and "nothing was imported" in line
    code, out, _ = guarded(monkeypatch, capsys, "history", "--json")
    assert code == 0 and json.loads(out) == []


# -- plan -----------------------------------------------------------------------------------


@pytest.mark.slow
def test_a_plan_for_a_far_date_is_capped_and_says_so(coach_home: Path) -> None:
    started = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "coach", "plan", "--interview-date",
                           "9999-12-31"], capture_output=True, text=True, timeout=240,
                          cwd=REPO_ROOT, env={**os.environ, "COACH_HOME": str(coach_home)})
    took = time.monotonic() - started
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    until = date.today() + timedelta(days=365)
    assert f"this plan stops on {until.isoformat()}" in proc.stdout
    assert "run 'coach plan' again" in proc.stdout
    sessions = [line for line in proc.stdout.splitlines() if line.startswith("### ")]
    assert 50 <= len(sessions) <= 6 * 53 + 1, "at most a year of sessions, then the interview"
    assert took < 200, f"took {took:.0f} s"


@pytest.mark.slow
def test_the_planner_grows_linearly_with_the_horizon(kb: Any,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from coach.history import plan
    from coach.history.progress import compute_progress

    monkeypatch.setattr(plan, "MAX_PLAN_DAYS", 10**6)  # lift the cap to time the algorithm
    prog = compute_progress([], [], kb, "ml-engineer")
    today = date(2026, 1, 1)

    def seconds(years: int) -> float:
        best = float("inf")
        for _ in range(2):
            started = time.perf_counter()
            plan.make_prep_plan(kb, prog, "ml-engineer", date(2026 + years, 1, 1), today=today)
            best = min(best, time.perf_counter() - started)
        return best

    small, large = seconds(10), seconds(40)
    # Four times the days: about four times the work (quadratic would be sixteen).
    assert large < 8 * small + 0.5, (small, large)


# -- huge answers ---------------------------------------------------------------------------


def test_grade_reads_at_most_the_answer_limit_from_dev_zero(
        coach_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from coach.cli import _register, app, core_cmds
    from coach.interview.session import MAX_ANSWER_CHARS

    seen: list[int] = []

    class Stop(Exception):
        pass

    class Grader:
        def grade(self, rubric: Any, text: str) -> Any:
            seen.append(len(text))
            raise Stop

    class Svc:
        def __init__(self) -> None:
            from coach.knowledge.loader import load_knowledge
            from coach.paths import knowledge_dir

            self.kb = load_knowledge(knowledge_dir())
            self.grader = Grader()

    _register()
    monkeypatch.setattr(core_cmds, "services", Svc)
    result = CliRunner().invoke(app, ["grade", "--question", "bias-variance-tradeoff-1",
                                      "--answer-file", "/dev/zero"])
    assert isinstance(result.exception, Stop), result.output
    assert seen == [MAX_ANSWER_CHARS]
    assert f"the answer was cut at {MAX_ANSWER_CHARS:,} characters" in result.stderr
