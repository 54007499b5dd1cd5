"""Line mode with an LLM provider: streamed interviewer lines, Ctrl-C cancels a line being
spoken, per-run provider flags, and resume showing the wording the candidate saw."""

from __future__ import annotations

import io
import os
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from cli_support import run_cli
from fault_server import FaultServer, fault_server
from typer.testing import CliRunner

from coach.interview.session import Interview, SessionConfig
from coach.providers.base import Message
from coach.providers.fake import Call, FakeProvider, Reply
from coach.services import Services

QID = "logistic-regression-2"
WORDING = ("So, your churn model gives support tickets a coefficient of 0.7 — how would you "
           "explain that coefficient to a colleague?")
GOOD = ("The 0.7 is on the log-odds scale: one more support ticket adds 0.7 to the log-odds "
        "of churn, holding the other features fixed. Exponentiate it and e^0.7 is about 2, so "
        "each ticket roughly doubles the odds of churn.")
VERDICT = {"points": [{"id": "log-odds", "verdict": "covered",
                       "quote": "adds 0.7 to the log-odds of churn"}],
           "gap": "Say what happens to the probability."}
LABEL = "[cancelled — showing the question as written]"


class Tape(io.StringIO):
    """stdout that remembers every write, to see text arrive piece by piece."""

    def __init__(self) -> None:
        super().__init__()
        self.writes: list[str] = []

    def write(self, s: str) -> int:
        self.writes.append(s)
        return super().write(s)


class Keyboard(io.StringIO):
    """stdin that notes what the screen showed each time the candidate starts typing."""

    def __init__(self, text: str, screen: Tape) -> None:
        super().__init__(text)
        self.screen = screen
        self.seen: list[str] = []

    def readline(self, size: int | None = -1) -> str:
        self.seen.append(self.screen.getvalue())
        return super().readline()


class CtrlCWhileSpeaking(FakeProvider):
    """Streams its replies; the user presses Ctrl-C once `after` pieces of stream `call`
    have reached the screen (the signal is raised on the thread that shows them, as a real
    Ctrl-C is handled there; the stream itself is read on a helper thread)."""

    def __init__(self, replies: Sequence[Reply], after: int, call: int = 1) -> None:
        super().__init__(replies)
        self.after = after
        self.call = call

    def stream(self, messages: Sequence[Message],
               cancel: threading.Event | None = None) -> Iterator[str]:
        streams = sum(c.kind == "stream" for c in self.history) + 1
        for i, piece in enumerate(super().stream(messages, cancel)):
            yield piece
            if i + 1 == self.after and streams == self.call:
                signal.raise_signal(signal.SIGINT)


def one_question(services: Services) -> Interview:
    return Interview.start(services, SessionConfig(question_ids=[QID], questions=1,
                                                   followups=0))


def test_the_llm_question_streams_token_by_token_and_is_shown_once(services: Services) -> None:
    fake = FakeProvider([WORDING, VERDICT])
    services.set("chat", fake)
    from coach.cli.practice import run_line_mode

    out = Tape()
    keys = Keyboard(GOOD + "\n.\n", out)
    run_line_mode(one_question(services), keys, out)
    text = out.getvalue()
    # The whole wording was on screen, in many pieces, before the candidate typed anything.
    assert f"Interviewer: {WORDING}\n" in keys.seen[0]
    pieces = [w for w in out.writes if w.strip() and w.strip() in WORDING]
    assert len(pieces) >= 5 and "".join(pieces).split() == WORDING.split()
    assert text.count("0.7 — how would you") == 1 and text.count("Interviewer:") == 1
    assert text.index("[1/1]") < text.index("Interviewer: So, your churn")
    turn = services.repo.session("latest").turns[0]
    assert turn.answer == GOOD and turn.asked == WORDING
    assert turn.grade is not None and turn.grade.grader == "offline+llm"


def test_ctrl_c_while_the_llm_speaks_shows_the_question_as_written_and_goes_on(
        services: Services) -> None:
    fake = CtrlCWhileSpeaking([WORDING, VERDICT], after=8)
    services.set("chat", fake)
    from coach.cli.practice import run_line_mode

    iv = one_question(services)
    template = Interview.template_text(services.kb.questions[QID], 0)
    out = Tape()
    run_line_mode(iv, Keyboard(GOOD + "\n.\n", out), out)
    text = out.getvalue()
    assert "Interviewer: So, your churn" in text  # the words streamed before Ctrl-C stay
    assert WORDING not in text
    assert f"{LABEL}\nInterviewer: {template}\n" in text
    assert text.index("Interviewer: So, your churn") < text.index(LABEL)
    assert "Score:" in text and "Session summary" in text  # the session went on
    record = services.repo.session(iv.id)
    assert record.status == "finished"
    turn = record.turns[0]
    assert turn.answer == GOOD and turn.asked == template and turn.score is not None
    assert [c.kind for c in fake.history] == ["stream", "structured"]


def test_ctrl_c_during_an_llm_follow_up_shows_the_follow_up_as_written(
        services: Services) -> None:
    followup = ("You said it relates to churn; what exactly does the number 0.7 tell you "
                "about one extra support ticket?")
    fake = CtrlCWhileSpeaking([WORDING, VERDICT, followup, VERDICT], after=6, call=2)
    services.set("chat", fake)
    from coach.cli.practice import run_line_mode

    iv = Interview.start(services, SessionConfig(question_ids=[QID], questions=1,
                                                 followups=1))
    out = Tape()
    run_line_mode(iv, io.StringIO("It is positively related to churn.\n.\n" + GOOD + "\n.\n"),
                  out)
    text = out.getvalue()
    turn = services.repo.session(iv.id).turns[0]
    written = turn.followups[0].text
    assert f"Interviewer: {WORDING}\n" in text  # the question itself was not cancelled
    assert "Interviewer: You said" in text and followup not in text  # stopped part-way
    assert f"[cancelled — showing the follow-up as written]\nInterviewer: {written}\n" in text
    assert written != followup and turn.followups[0].answer == GOOD
    assert turn.state == "graded" and "Session summary" in text


def test_ctrl_c_while_typing_quits_as_before_and_keeps_the_unsent_answer(
        services: Services) -> None:
    from coach.cli.practice import run_line_mode

    class Interrupted(io.StringIO):
        def readline(self, size: int | None = -1) -> str:
            line = super().readline()
            if not line:
                raise KeyboardInterrupt
            return line

    iv = one_question(services)
    with pytest.raises(KeyboardInterrupt):
        run_line_mode(iv, Interrupted("The coefficient is on the log-odds\nscale.\n"), Tape())
    assert services.repo.draft(iv.id, 0) == "The coefficient is on the log-odds\nscale."
    out = Tape()
    run_line_mode(Interview.resume(services, iv.id), io.StringIO("/end\n"), out)
    assert "Your unsent answer from last time" in out.getvalue()
    assert "    The coefficient is on the log-odds\n    scale.\n" in out.getvalue()


def test_resume_shows_the_saved_llm_wording_without_asking_the_llm(services: Services) -> None:
    services.set("chat", FakeProvider([WORDING]))
    iv = one_question(services)
    iv.next()  # the process dies here, with the LLM's question on screen
    later = FakeProvider()
    services.set("chat", later)
    from coach.cli.practice import run_line_mode

    resumed = Interview.resume(services, iv.id)
    assert resumed.ask_text(services.kb.questions[QID], 0) == WORDING  # what the TUI replays
    out = Tape()
    run_line_mode(resumed, io.StringIO("/end\n"), out)
    assert f"Interviewer: {WORDING}\n" in out.getvalue()
    assert later.history == []


# -- the flags, through the real command line ------------------------------------------------


def coach(*args: str, home: Path, input: str = "") -> subprocess.CompletedProcess[str]:
    """`coach ARGS` through its real entry point, in this process."""
    return run_cli(*args, input=input, env={"COACH_HOME": str(home)})


def test_bad_llm_flags_are_one_error_line_and_start_nothing(coach_home: Path) -> None:
    for args, expected in [
        (["--provider", "wizard/gpt"], "error: unknown provider 'wizard/gpt' — use one of"),
        (["--temperature", "3"], "error: --temperature: Input should be less than or equal "
                                 "to 2"),
        (["--timeout", "soon"], "error: --timeout: 'soon' is not a number"),
        (["--base-url", "ftp://x"], "error: --base-url: must start with http:// or https://"),
        (["--provider", "ollama"], "error: provider 'ollama' needs a model"),
    ]:
        proc = coach("practice", "--plain", "--questions", "1", *args, home=coach_home,
                     input="/end\n")
        assert proc.returncode == 1, (args, proc.stdout, proc.stderr)
        assert proc.stderr.startswith(expected), (args, proc.stderr)
        assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr
        assert "Session" not in proc.stdout
    proc = coach("resume", "--provider", "wizard", home=coach_home)
    assert proc.returncode == 1 and proc.stderr.startswith("error: unknown provider 'wizard'")
    helptext = coach("practice", "--help", home=coach_home).stdout
    assert "--provider" in helptext and "--temperature" in helptext
    flat = " ".join(w for w in helptext.split() if w != "│")
    assert "key never lands in shell history" in flat and "--api-key" not in helptext


def test_provider_flag_fake_takes_effect_for_the_run(services: Services, coach_home: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from coach.cli import _register, app
    from coach.providers import fake

    class Scripted(FakeProvider):
        """Words whatever question it is given; judges with an empty verdict."""

        def __init__(self, **kwargs: Any) -> None:
            super().__init__([{"points": [], "gap": "Say more."}], **kwargs)

        def _stream_raw(self, messages: Sequence[Message]) -> Iterator[str]:
            self.history.append(Call("stream", list(messages)))
            found = re.search(r"Question to ask: (.+)", messages[-1].content)
            assert found is not None
            yield from re.findall(r"\S+\s*", "Here is one for you. " + found.group(1))

    monkeypatch.setattr(fake, "FakeProvider", Scripted)
    _register()
    result = CliRunner().invoke(app, ["practice", "--plain", "--provider", "fake", "--model",
                                      "scripted", "--questions", "1", "--followups", "0",
                                      "--track", "evaluation", "--seed", "1"],
                                input="I would compare it against a simple baseline on a "
                                      "held-out set and look at precision and recall.\n.\n")
    assert result.exit_code == 0, result.output
    turn = services.repo.session("latest").turns[0]
    assert turn.asked.startswith("Here is one for you. ")
    assert f"Interviewer: {turn.asked}\n" in result.stdout
    assert turn.grade is not None and turn.grade.grader == "offline+llm"
    assert not (coach_home / "config.toml").exists()  # for this run only: nothing saved


@pytest.fixture
def server() -> Iterator[FaultServer]:
    with fault_server() as s:
        yield s


def _rows(db: Path) -> list[tuple[str, str, str]]:
    con = sqlite3.connect(db)
    try:
        return list(con.execute("SELECT state, answer, asked FROM turns ORDER BY position"))
    finally:
        con.close()


def test_ctrl_c_in_a_real_terminal_session_against_a_slow_server(coach_home: Path,
                                                                 server: FaultServer) -> None:
    """Real SIGINT, real HTTP: the flags reach the server, Ctrl-C stops the waiting line, the
    question as written is shown, and the answer typed next is saved and graded."""
    server.script(("slow", 4.0, WORDING))
    env = {**os.environ, "COACH_HOME": str(coach_home)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "coach", "practice", "--plain", "--track", "evaluation",
         "--questions", "1", "--followups", "0", "--seed", "2", "--provider", "compatible",
         "--model", "fault-model", "--base-url", server.url, "--temperature", "0.7",
         "--timeout", "30"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env=env)
    assert proc.stdin is not None and proc.stdout is not None
    deadline = time.time() + 120
    while not server.requests and time.time() < deadline:
        time.sleep(0.1)
    assert server.requests, "the interviewer never asked the server"
    body = server.requests[0]["body"]
    assert body["model"] == "fault-model" and body["temperature"] == 0.7 and body["stream"]
    proc.send_signal(signal.SIGINT)
    seen = ""
    while LABEL not in seen and time.time() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        seen += line
    assert LABEL in seen, seen + proc.stderr.read() if proc.stderr else seen
    assert "Interviewer: " in proc.stdout.readline()
    out, err = proc.communicate("Precision is the share of predicted positives that are "
                                "right.\n.\n", timeout=240)
    assert proc.returncode == 0, err
    assert WORDING not in seen + out and "Session summary" in out
    state, answer, asked = _rows(coach_home / "data" / "coach.db")[0]
    assert state == "graded" and answer.startswith("Precision is the share")
    assert asked and asked != WORDING
