"""Fault paths against a real HTTP server on 127.0.0.1 that answers 429, 500, garbage, slowly,
or drops the connection — and the API key never lands anywhere."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from cli_support import run_cli
from fault_server import FaultServer, fault_server

from coach.grading.rubric import rubric_for
from coach.interview.session import Interview, SessionConfig
from coach.providers.base import Message
from coach.providers.combine import CombinedGrader
from coach.providers.errors import ProviderRejected, ProviderUnavailable
from coach.providers.openai_compat import OpenAICompatProvider
from coach.providers.report import write_summary

QID = "logistic-regression-2"
KEY = "sk-coachtest-RECOGNISABLE-7f3a9c2e"
GOOD = ("The coefficient is the change in log-odds of churn per extra ticket, holding other "
        "features fixed; e^0.7 is about 2, so each ticket roughly doubles the odds of churn.")


@pytest.fixture
def server() -> Iterator[FaultServer]:
    with fault_server() as s:
        yield s


def chat(server: FaultServer, timeout: float = 2.0, retries: int = 2) -> OpenAICompatProvider:
    return OpenAICompatProvider(provider_id="compatible/fault", model="fault",
                                base_url=server.url, api_key=KEY, timeout=timeout,
                                max_retries=retries, backoff=0.01)


HELLO = [Message("user", "hi")]


@pytest.mark.parametrize(("status", "reason"), [(429, "rate limited (429)"),
                                                (500, "server error (500)")])
def test_429_and_5xx_are_retried_then_succeed(server: FaultServer, status: int,
                                              reason: str) -> None:
    server.script(("status", status), ("status", status), ("ok", "recovered"))
    assert chat(server).complete(HELLO) == "recovered"
    assert len(server.requests) == 3
    server.script(*[("status", status)] * 3)
    with pytest.raises(ProviderUnavailable) as err:
        chat(server).complete(HELLO)
    assert err.value.reason == reason and KEY not in str(err.value)


def test_garbage_timeouts_and_bad_keys_each_get_their_own_clear_message(
        server: FaultServer) -> None:
    server.script(*[("garbage",)] * 3)
    with pytest.raises(ProviderUnavailable, match=r"not valid OpenAI JSON.*COACH_BASE_URL"):
        chat(server).complete(HELLO)
    server.script(("slow", 1.5, "late"))
    with pytest.raises(ProviderUnavailable, match=r"within 0.3 s — raise COACH_TIMEOUT"):
        chat(server, timeout=0.3, retries=0).complete(HELLO)
    server.script(("status", 401), ("ok", "not reached"))
    with pytest.raises(ProviderRejected, match=r"rejected the API key.*OPENAI_API_KEY"):
        chat(server).complete(HELLO)
    assert server.queue == [("ok", "not reached")]  # a bad key is not retried


def test_a_stream_cut_mid_reply_raises_instead_of_passing_as_complete(
        server: FaultServer) -> None:
    server.script(("drop", "one two three four five six seven eight"))
    got: list[str] = []
    with pytest.raises(ProviderUnavailable, match="lost mid-reply"):
        for piece in chat(server).stream(HELLO):
            got.append(piece)
    assert "".join(got).startswith("one two")


def test_a_cancel_takes_effect_while_the_server_is_silent(server: FaultServer) -> None:
    """Ctrl-C while the LLM speaks must not wait for the server's next word."""
    import threading
    import time

    silence = 6.0
    server.script(("stall", "one two three four five six", silence))
    cancel = threading.Event()
    got: list[str] = []
    started = time.monotonic()
    for piece in chat(server, timeout=30).stream(HELLO, cancel):
        got.append(piece)
        if len(got) == 3:  # the server goes silent after this word: the user presses Ctrl-C
            threading.Timer(0.2, cancel.set).start()
    waited = time.monotonic() - started
    assert "".join(got) == "one two three "
    assert waited < silence / 2, f"the cancel waited {waited:.1f} s for the server"


def test_judge_failures_fall_back_to_the_offline_grade_with_the_reason(
        server: FaultServer, grader, kb) -> None:  # type: ignore[no-untyped-def]
    rubric = rubric_for(kb.questions[QID].question)
    offline = grader.grade(rubric, GOOD)
    server.script(*[("status", 503)] * 3)
    grade = CombinedGrader(grader, chat(server)).grade(rubric, GOOD)
    assert (grade.score, grade.grader) == (offline.score, "offline (llm failed: server error "
                                                          "(503))")
    server.script(("tool", "JudgeVerdict", "{not json"), ("garbage",), ("garbage",),
                  ("garbage",))
    grade = CombinedGrader(grader, chat(server)).grade(rubric, GOOD)
    assert grade.score == offline.score and grade.grader.startswith("offline (llm failed")


def _files_containing(root: Path, needle: str) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file() and needle.encode() in p.read_bytes()]


def test_the_api_key_never_reaches_the_database_logs_reports_or_eval_results(
        server: FaultServer, services, coach_home: Path, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    from typer.testing import CliRunner

    from coach.cli import _register, app

    monkeypatch.setenv("COACH_API_KEY", KEY)
    monkeypatch.setenv("COACH_PROVIDER", "compatible/fault")
    monkeypatch.setenv("COACH_BASE_URL", server.url)
    monkeypatch.setenv("COACH_TIMEOUT", "1")
    from coach.settings import load_settings

    services.settings = load_settings()
    # Every kind of fault while a session runs: the answer and an offline grade survive.
    server.script(("status", 429), ("ok", "Tell me about the 0.7 coefficient?"),
                  ("status", 500), ("status", 500), ("status", 500), ("garbage",))
    server.default = ("status", 401)
    iv = Interview.start(services, SessionConfig(question_ids=[QID], questions=1,
                                                 followups=0))
    iv.next()
    step = iv.submit(GOOD)
    assert step.grade is not None and step.grade.grader.startswith("offline (llm failed")
    iv.finish()
    record = services.repo.session(iv.id)
    assert record.turns[0].answer == GOOD
    summary = write_summary(services.chat, record)
    assert summary.source == "facts" and "key rejected (401)" in summary.reason
    out = tmp_path / "outputs"
    out.mkdir()
    (out / "summary.txt").write_text(summary.text + "\n" + summary.reason)
    grade = record.turns[0].grade
    assert grade is not None
    (out / "grade.json").write_text(grade.model_dump_json())
    dataset = out / "rows.jsonl"
    dataset.write_text(json.dumps({"id": "k1", "question_id": QID, "answer": GOOD,
                                   "score": 4, "max_score": 5}) + "\n")
    _register()
    result = CliRunner().invoke(app, ["eval", "grader", "--dataset", str(dataset), "--json",
                                      "--provider", "compatible/fault",
                                      "--predictions", str(out / "preds.jsonl")])
    assert result.exit_code == 0, result.output
    (out / "eval.txt").write_text(result.output)
    assert all(KEY in r["auth"] for r in server.requests)  # it was sent, to the server only
    assert _files_containing(coach_home, KEY) == []
    assert _files_containing(out, KEY) == []
    assert KEY not in result.output and KEY not in grade.model_dump_json()


def test_providers_check_reports_success_or_the_exact_problem(server: FaultServer,
                                                              coach_home: Path) -> None:
    cmd = ["providers", "check", "--provider", "compatible/fault", "--base-url", server.url]
    server.script(("ok", "Hi, nice to meet you!"))
    ok = run_cli(*cmd)
    assert ok.returncode == 0 and "ok: compatible/fault replied" in ok.stdout
    assert "Hi, nice to meet you!" in ok.stdout
    server.default = ("status", 404)
    bad = run_cli(*cmd)
    assert bad.returncode == 1 and "Traceback" not in bad.stderr
    assert "has no model 'fault'" in bad.stderr and "COACH_MODEL" in bad.stderr
