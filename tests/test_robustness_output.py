"""Nothing hostile reaches the terminal or a report raw, and bytes that are not UTF-8 lose no
answer. The stored answer stays as typed."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from coach.paths import REPO_ROOT
from coach.services import Services

QUESTION = "bias-variance-tradeoff-1"
# Colour, a terminal title (OSC 0), a hyperlink (OSC 8), a bell and a NUL inside a real answer,
# then HTML and Markdown that would run or link if a viewer rendered it.
HOSTILE = ("Bias is the error from wrong assumptions in the model, so it underfits "
           "\x1b[31mand misses the pattern\x1b[0m.\n"
           "Variance is how much the predictions change with a different training sample"
           "\x1b]0;pwned\x07, so it overfits\x00.\n"
           "<script>alert(1)</script> <img src=x onerror=alert(1)> "
           "[docs](javascript:alert(1)) ![x](javascript:alert(2)) "
           "\x1b]8;;javascript:alert(3)\x1b\\link\x1b]8;;\x1b\\ \x9b31m")
RAW = ("\x1b", "\x00", "\x07", "\x9b")
LINK = re.compile(r"(?<!\\)\]\(javascript:")  # "](javascript:" not escaped as "\](..."


def interview(services: Services):  # type: ignore[no-untyped-def]
    from coach.interview.session import Interview, SessionConfig

    return Interview.start(services, SessionConfig(question_ids=[QUESTION], questions=1,
                                                   followups=0, seed=1))


def test_line_mode_never_prints_escape_sequences_and_keeps_the_answer_as_typed(
        services: Services) -> None:
    from coach.cli.practice import run_line_mode
    from coach.reports import render
    from coach.reports.build import build_report

    iv = interview(services)
    iv.next()
    services.repo.save_draft(iv.id, 0, HOSTILE)  # shown back when the question opens again
    out = io.StringIO()
    run_line_mode(iv, io.StringIO(HOSTILE + "\n.\n"), out)
    shown = out.getvalue()
    assert "[draft]" in shown and "Score:" in shown
    assert "␛[31m" in shown, "the escape shows as a symbol, so the user sees what was typed"
    for char in RAW:
        assert char not in shown, f"{char!r} reached the terminal"
    record = services.repo.session(iv.id)
    assert record.turns[0].answer == HOSTILE, "the stored answer is exactly what was typed"
    assert record.turns[0].score is not None

    report = build_report(record, services.kb)
    md = render(report, "md")
    for char in RAW:
        assert char not in md, f"{char!r} reached the Markdown report"
    assert "<script" not in md and "<img" not in md
    assert not LINK.search(md), "a link or image a viewer would follow"
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in md
    assert "\\[docs\\](javascript:alert(1))" in md
    html = render(report, "html")
    for char in RAW:
        assert char not in html, f"{char!r} reached the HTML report"
    assert "<script" not in html.lower() and "<img" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_markdown_report_escapes_every_field_an_import_can_fill(services: Services,
                                                                  tmp_path: Path) -> None:
    from coach.interview.records import Turn
    from coach.reports import render
    from coach.reports.build import build_report

    evil = "<img src=x onerror=alert(1)>\x1b[2J"
    services.repo.create_session("s<b>1", evil, evil, {"questions": 1}, {})
    services.repo.save_turn(Turn(
        session_id="s<b>1", position=0, question_id="q<script>x</script>", state="answered",
        answer="plain\x00answer",
        followups=[{"kind": "probe", "target": "t", "text": "You said “<script>”?",
                    "answer": "[a](javascript:alert(1))\x1b]52;c;Zm9v\x07"}],
        track=evil, topics=[evil]))
    record = services.repo.session("s<b>1")
    md = render(build_report(record, services.kb), "md")
    for char in RAW:
        assert char not in md
    prose = re.sub(r"`[^`\n]*`", "", md)  # a code span shows its text as is, never as HTML
    assert "<img" not in prose and "<script" not in prose and "<b>" not in prose
    assert not LINK.search(md)
    html = render(build_report(record, services.kb), "html")
    assert "\x1b" not in html and "\x00" not in html and "<img" not in html
    assert services.repo.session("s<b>1").turns[0].answer == "plain\x00answer"


def test_line_mode_with_a_strict_decoder_keeps_an_answer_that_is_not_utf8(
        services: Services) -> None:
    from coach.cli.practice import run_line_mode

    iv = interview(services)
    raw = b"Bias \xff\xfe is error from wrong assumptions; variance is sensitivity.\n.\n"
    stream = io.TextIOWrapper(io.BytesIO(raw), encoding="utf-8", errors="strict")
    out = io.StringIO()
    run_line_mode(iv, stream, out)
    turn = services.repo.session(iv.id).turns[0]
    assert turn.answer == ("Bias \ufffd\ufffd is error from wrong assumptions; variance is "
                           "sensitivity.")
    assert turn.score is not None and "Score:" in out.getvalue()


@pytest.mark.slow
def test_piped_bytes_that_are_not_utf8_are_saved_and_graded(coach_home: Path) -> None:
    env = {**os.environ, "COACH_HOME": str(coach_home), "LC_ALL": "C"}
    env.pop("PYTHONIOENCODING", None)
    env.pop("PYTHONUTF8", None)
    proc = subprocess.run(
        [sys.executable, "-m", "coach", "practice", "--plain", "--questions", "1", "--seed",
         "1", "--followups", "0"],
        input=b"Dropout \xff\xfe is active only in training.\n.\n", capture_output=True,
        env=env, cwd=REPO_ROOT, timeout=600)
    err = proc.stderr.decode("utf-8", "replace")
    assert proc.returncode == 0, err
    assert "Traceback" not in err
    assert "Score:" in proc.stdout.decode("utf-8", "replace")
    report = subprocess.run([sys.executable, "-m", "coach", "report", "latest", "-f", "json"],
                            capture_output=True, env=env, cwd=REPO_ROOT, timeout=300)
    data = json.loads(report.stdout)
    question = data["questions"][0]
    assert question["answer"] == "Dropout \ufffd\ufffd is active only in training."
    assert question["status"] == "graded" and question["score"] is not None


def test_history_and_progress_show_imported_markup_and_escapes_as_text(
        coach_home: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    from coach.cli import _register, app
    from coach.cli.common import run_guarded
    from coach.grading.models import Grade
    from coach.interview.records import Turn
    from coach.storage.db import Database
    from coach.storage.repo import Repository

    role = "[/bold]\x1b[2Jrole"
    topic = "[/red]topic\x1b]0;pwned\x07"
    repo = Repository(Database(coach_home / "data" / "coach.db"), grade=Grade)
    repo.create_session("s1", role, "practice", {"questions": 1}, {})
    stamp = "2026-03-01T10:00:00+00:00"
    repo.save_turn(Turn(session_id="s1", position=0, question_id=QUESTION, state="graded",
                        answer="a", score=3.0, topics=[topic], started_at=stamp))
    repo.db.close()
    _register()
    for command in ("history", "progress"):
        monkeypatch.setattr(sys, "argv", ["coach", command])
        code = run_guarded(app)
        out = capsys.readouterr()
        assert code == 0, out.err
        assert "Traceback" not in out.err and "unexpected" not in out.err
        for char in RAW:
            assert char not in out.out
    monkeypatch.setattr(sys, "argv", ["coach", "history"])
    run_guarded(app)
    assert "[/bold]␛[2Jrole" in capsys.readouterr().out.replace("\n", "")
