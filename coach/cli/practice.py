"""`coach practice --plain`, `coach resume` and `coach review`: the line-mode interview."""

from __future__ import annotations

import io
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any, TextIO

import typer

from coach.cli import app
from coach.cli.render import grade_lines, summary_lines
from coach.errors import CoachError, StorageError
from coach.reports.safe_text import valid_unicode, visible

if TYPE_CHECKING:
    from coach.interview.events import Action, Event
    from coach.interview.session import Interview
    from coach.knowledge.models import BankQuestion
    from coach.services import Services
    from coach.storage.drafts import Drafts

# -- this run's LLM flags ---------------------------------------------------------------------

FLAGS = {"provider": "--provider", "model": "--model", "base_url": "--base-url",
         "timeout": "--timeout", "temperature": "--temperature"}
KEY_NOTE = ("There is no key flag, so a key never lands in shell history: set OPENAI_API_KEY "
            "or COACH_API_KEY, or api_key in the config file.")
PROVIDER_OPT = typer.Option(
    "", "--provider", metavar="ID",
    help="LLM for this run only: offline, openai/MODEL, ollama/MODEL, vllm/MODEL, "
         "lmstudio/MODEL, llamacpp/MODEL, compatible/MODEL, local (see 'coach providers'). "
         + KEY_NOTE)
MODEL_OPT = typer.Option("", "--model", help="Model name for this run.")
BASE_URL_OPT = typer.Option("", "--base-url", metavar="URL",
                            help="Base URL of an OpenAI-compatible server for this run.")
TIMEOUT_OPT = typer.Option("", "--timeout", metavar="SECONDS",
                           help="Seconds to wait for one LLM request (up to 600) this run.")
TEMPERATURE_OPT = typer.Option("", "--temperature", metavar="T",
                               help="LLM sampling temperature (0 to 2) this run.")


def run_services(provider: str = "", model: str = "", base_url: str = "", timeout: str = "",
                 temperature: str = "") -> tuple[Services, bool]:
    """Services with this run's flags over the settings; (services, any flag given).

    A bad flag value is one CoachError line naming the flag.
    """
    from coach.paths import resolve_paths
    from coach.services import build_services
    from coach.settings import load_settings, with_overrides

    values: dict[str, Any] = {k: v.strip() for k, v in
                              (("provider", provider), ("model", model), ("base_url", base_url))
                              if v.strip()}
    for name, raw in (("timeout", timeout), ("temperature", temperature)):
        if raw.strip():
            try:
                values[name] = float(raw)
            except ValueError:
                raise CoachError(f"{FLAGS[name]}: '{raw}' is not a number") from None
    paths = resolve_paths()
    settings = load_settings(paths)
    if values:
        settings = with_overrides(settings, values, FLAGS)
    return build_services(settings, paths), bool(values)


def check_provider(services: Services) -> None:
    """Build the chat provider now, so a bad id, a missing model or key is one error line
    before any session starts."""
    _ = services.chat


# -- line mode --------------------------------------------------------------------------------


def _read_answer(stream: TextIO, out: TextIO, lines: list[str] | None = None,
                 on_line: Callable[[list[str]], None] | None = None) -> tuple[str, bool]:
    """Lines until one holding only '.', or EOF. Returns (text, eof).

    `lines` collects what was typed so far, so an interrupted caller can keep it; `on_line`
    sees it after every line (to save a draft). Bytes that are not UTF-8 become U+FFFD.
    """
    lines = [] if lines is None else lines
    while True:
        line = valid_unicode(stream.readline())
        if not line:
            return "\n".join(lines).strip("\n"), True
        stripped = line.rstrip("\r\n")
        if stripped.strip() == ".":
            return "\n".join(lines), False
        if not lines and stripped.strip() in ("/hint", "/skip", "/end"):
            return stripped.strip(), False
        lines.append(stripped)
        if on_line is not None:
            on_line(lines)


def _label(reason: str, question: bool) -> str:
    what = "question" if question else "follow-up"
    if reason == "cancelled":
        return f"[cancelled — showing the {what} as written]"
    return f"[the interviewer's wording was dropped ({reason}) — showing the {what} as written]"


class _Voice:
    """Prints the interviewer; an LLM's line appears token by token as it streams in."""

    def __init__(self, iv: Interview, out: TextIO) -> None:
        self.iv = iv
        self.out = out
        self.open = False  # a streamed line has been started and not yet ended

    def say(self, text: str = "") -> None:
        # Anything shown may quote the user's answer: no escape sequence reaches the terminal.
        print(visible(valid_unicode(text)), file=self.out, flush=True)

    def header(self, q: BankQuestion, pos: int | None = None, total: int | None = None,
               reason: str | None = None) -> None:
        if pos is None or total is None:
            pos, total = self.iv.progress()
        reason = self.iv.reason(q.id) if reason is None else reason
        self.say(f"\n[{pos}/{total}] {q.track} · {q.kind} · {q.question.difficulty}"
                 + (f" — {reason}" if reason else ""))

    def token(self, chunk: str) -> None:
        """`Interview.on_token`: called by the engine for each piece of an LLM line."""
        if not self.open:
            self.open = True
            turn, q = self.iv.turn, self.iv.question
            if turn is not None and turn.state == "asking" and q is not None:
                self.header(q)
            self.out.write("\nInterviewer: ")
            chunk = chunk.lstrip()
        self.out.write(visible(valid_unicode(chunk)))
        self.out.flush()

    def line(self, text: str, *, question: bool, streamed: bool = False, fallback: str = "",
             header: Callable[[], None] | None = None) -> None:
        """The interviewer's line (a question, else a follow-up), unless it already streamed
        in full; `header` prints a question's header line when nothing streamed."""
        if self.open:
            self.open = False
            self.say()  # ends the streamed line
            if streamed:
                return
            self.say(_label(fallback or "unknown", question))
            self.say(f"Interviewer: {text}")
            return
        if header is not None:
            header()
        if fallback == "cancelled":
            self.say("\n" + _label(fallback, question))
            self.say(f"Interviewer: {text}")
            return
        self.say(f"\nInterviewer: {text}")


@contextmanager
def _ctrl_c_cancels(iv: Interview) -> Iterator[None]:
    """While the engine runs, Ctrl-C stops an LLM line being phrased (the template is shown
    instead); at any other moment, or pressed twice, it interrupts as it always did."""
    iv.cancel.clear()
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.getsignal(signal.SIGINT)

    def handler(signum: int, frame: FrameType | None) -> None:
        if iv.phrasing and not iv.cancel.is_set():
            iv.cancel.set()
            return
        if callable(previous):
            previous(signum, frame)
        elif previous != signal.SIG_IGN:
            raise KeyboardInterrupt

    signal.signal(signal.SIGINT, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


class _Stopped(BaseException):
    """SIGTERM or SIGHUP: stop as Ctrl-C does, keeping the unsent answer as a draft."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


STOP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP")
                     if hasattr(signal, name))


@contextmanager
def _signals_stop() -> Iterator[None]:
    """While line mode runs, SIGTERM and SIGHUP raise _Stopped (in the main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: FrameType | None) -> None:
        for sig in STOP_SIGNALS:  # a second signal must not cut the draft's saving short
            signal.signal(sig, signal.SIG_IGN)
        raise _Stopped(signum)

    previous = {sig: signal.signal(sig, handler) for sig in STOP_SIGNALS}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def _tolerant(stream: TextIO, out: TextIO) -> None:
    """Undecodable input bytes reach _read_answer (as U+FFFD) instead of raising; output
    that the terminal's encoding cannot show is replaced instead of raising."""
    if isinstance(stream, io.TextIOWrapper) and stream.errors == "strict":
        with suppress(ValueError, OSError):
            stream.reconfigure(errors="surrogateescape")
    if isinstance(out, io.TextIOWrapper) and out.errors == "strict":
        with suppress(ValueError, OSError):
            out.reconfigure(errors="replace")


@dataclass
class _Unsent:
    """What the user typed that the database may not hold yet."""

    lines: list[str] = field(default_factory=list)
    position: int = -1
    sent: tuple[str, int] | None = None
    """The turn's (state, follow-ups) when the text went to the engine; None while typing."""

    def text(self) -> str:
        return "\n".join(self.lines).strip()

    def done(self) -> None:
        self.lines.clear()
        self.sent = None


def _answer_saved(iv: Interview, unsent: _Unsent) -> bool:
    """Whether the engine committed the text handed to it (its turn moved on)."""
    if unsent.sent is None:
        return False
    try:
        turns = iv.repo.session(iv.id).turns
    except CoachError:
        return False
    for t in turns:
        if t.position == unsent.position:
            return (str(t.state), len(t.followups)) != unsent.sent
    return False


def _tell(text: str) -> None:
    with suppress(OSError, ValueError):  # the terminal may be gone (SIGHUP)
        print(text, file=sys.stderr, flush=True)


def run_line_mode(interview: object, stream: TextIO | None = None,
                  out: TextIO | None = None) -> None:
    from coach.interview.session import Interview

    assert isinstance(interview, Interview)
    iv = interview
    # Looked up per call, not bound at import, so a swapped stdin/stdout (tests) is used.
    stream = sys.stdin if stream is None else stream
    out = sys.stdout if out is None else out
    _tolerant(stream, out)
    voice = _Voice(iv, out)
    iv.on_token = voice.token
    drafts = iv.drafts
    unsent = _Unsent()
    # The handlers stay in place while the draft is saved: the first signal switches them
    # to "ignore", so a second one cannot cut the saving short.
    with _signals_stop():
        try:
            _converse(iv, voice, stream, out, unsent, drafts)
        except (KeyboardInterrupt, _Stopped) as exc:
            kept = False
            text = unsent.text()
            if (text and iv.turn is not None and iv.record.status == "active"
                    and not _answer_saved(iv, unsent)):
                drafts.keep(iv.id, unsent.position, text)
                kept = True
            what = ("interrupted" if isinstance(exc, KeyboardInterrupt)
                    else f"stopped ({signal.Signals(exc.signum).name})")
            _tell(f"\n{what} — your unsent answer is kept as a draft and every submitted "
                  "answer is saved; 'coach resume' continues" if kept else
                  f"\n{what} — every submitted answer is saved; 'coach resume' continues")
            if isinstance(exc, _Stopped):
                raise SystemExit(128 + exc.signum) from None
            raise
        finally:
            iv.on_token = None


def _submit_failed(iv: Interview, unsent: _Unsent, drafts: Drafts, exc: StorageError,
                   out: TextIO) -> CoachError:
    """The database refused the answer (full disk, lock): keep it elsewhere and say where."""
    if _answer_saved(iv, unsent):
        return CoachError(f"{exc}; your answer was saved before this and 'coach resume' "
                          "grades it")
    text = unsent.text()
    path = drafts.keep(iv.id, unsent.position, text, database="locked" not in str(exc))
    if path is not None:
        return CoachError(f"{exc}; your answer is kept as a draft in {path} and "
                          "'coach resume' shows it again")
    print("\nYour answer (it could not be saved anywhere — copy it now):\n", file=out)
    print(visible(text), file=out, flush=True)
    return CoachError(f"{exc}; your answer could not be kept anywhere, so it is printed above")


def _converse(iv: Interview, voice: _Voice, stream: TextIO, out: TextIO, unsent: _Unsent,
              drafts: Drafts) -> None:
    from coach.interview.events import (
        AnswerGraded,
        End,
        Finished,
        FollowUpAsked,
        Hint,
        HintGiven,
        Open,
        QuestionAsked,
        Skip,
        Submit,
    )

    say = voice.say
    lines = unsent.lines
    first = [True]

    def prompt(q: BankQuestion, coding_stub: bool) -> None:
        """After the interviewer's line: the code stub, and last time's unsent draft."""
        if coding_stub and q.kind == "coding":
            say(q.question.stub)  # type: ignore[union-attr]
        if first[0] and iv.turn is not None:
            draft = drafts.load(iv.id, iv.turn.position)
            if draft.strip():
                say("[draft] Your unsent answer from last time (type or paste it again):")
                for line in draft.splitlines():
                    say(f"    {line}")
        first[0] = False

    def render(event: Event) -> None:
        """Each event as it happens, so a grade shows before the next question streams."""
        if isinstance(event, QuestionAsked):
            q = event.question
            voice.line(event.text, question=True, streamed=event.streamed,
                       fallback=event.fallback,
                       header=partial(voice.header, q, event.position, event.total,
                                      event.reason))
            prompt(q, True)
        elif isinstance(event, FollowUpAsked):
            voice.line(event.text, question=False, streamed=event.streamed,
                       fallback=event.fallback)
            prompt(event.question, False)
        elif isinstance(event, AnswerGraded) and event.show_feedback:
            say("")
            for line in grade_lines(event.grade):
                say(line)
        elif isinstance(event, HintGiven):
            say(f"Interviewer: {event.text}")
            voice.line(event.prompt, question=True, header=partial(voice.header, event.question))
            prompt(event.question, True)
        elif isinstance(event, Finished):
            say("\n— Session summary —")
            for question_id, grade in event.withheld:
                say(f"\n{question_id}:")
                for line in grade_lines(grade):
                    say(line)
            if event.summary:
                for line in summary_lines(event.summary):
                    say(line)
            say(f"Report: coach report {event.session_id}")

    def engine(action: Action) -> list[Event]:
        with _ctrl_c_cancels(iv):
            return iv.advance(action, render)

    def typed(so_far: list[str]) -> None:
        # Saved as it is typed, like the TUI's draft: a kill (even SIGKILL) keeps it.
        if iv.turn is not None:
            drafts.write_file(iv.id, iv.turn.position, "\n".join(so_far))

    for note in iv.plan.notes:
        say(f"[plan] {note}")
    say(f"Session {iv.id} — {iv.config.questions} question(s), role {iv.config.role}. "
        "End each answer with a line holding only '.'; /hint, /skip and /end work too.")
    engine(Open())
    while iv.record.status == "active":
        unsent.done()
        unsent.position = iv.turn.position if iv.turn is not None else -1
        answer, eof = _read_answer(stream, out, lines, typed)
        if answer == "/end" or (eof and not answer.strip()):
            unsent.done()
            engine(End())
            break
        if answer in ("/hint", "/skip"):
            unsent.done()
            engine(Hint() if answer == "/hint" else Skip())
            continue
        if iv.turn is not None:
            unsent.sent = (str(iv.turn.state), len(iv.turn.followups))
        try:
            # Input that ends in the middle of an answer: that answer is the last one.
            engine(End(answer) if eof else Submit(answer))
        except StorageError as exc:
            raise _submit_failed(iv, unsent, drafts, exc, out) from None
        unsent.done()
        if eof:
            break


# -- commands ---------------------------------------------------------------------------------


@app.command("practice")
def practice(
    plain: bool = typer.Option(False, "--plain", help="Line mode (scripts, screen readers)."),
    role: str = typer.Option("", "--role", help="ml-engineer, data-scientist, mlops-engineer, "
                             "ai-engineer."),
    track: list[str] = typer.Option([], "--track", help="Limit to tracks (repeatable)."),
    difficulty: str = typer.Option("", "--difficulty", help="easy, medium or hard (fixed)."),
    questions: int = typer.Option(0, "--questions", min=0, max=50),
    seed: int | None = typer.Option(None, "--seed", help="Make the session reproducible."),
    job_description: Path | None = typer.Option(None, "--job-description", exists=False),
    mode: str = typer.Option("practice", "--mode", help="practice or mock."),
    followups: int | None = typer.Option(None, "--followups", min=0, max=5),
    provider: str = PROVIDER_OPT,
    model: str = MODEL_OPT,
    base_url: str = BASE_URL_OPT,
    timeout: str = TIMEOUT_OPT,
    temperature: str = TEMPERATURE_OPT,
) -> None:
    """Start an interview session. With an LLM, Ctrl-C while it speaks shows the question as
    written instead."""
    from coach.interview.session import Interview, SessionConfig

    svc, flagged = run_services(provider, model, base_url, timeout, temperature)
    role = role or svc.settings.interview.role
    checked = SessionConfig.checked(role=role, mode=mode, tracks=list(track),
                                    difficulty=difficulty)
    if plain or flagged:
        check_provider(svc)
    jd = ""
    if job_description is not None:
        try:
            jd = job_description.read_text(encoding="utf-8", errors="replace")
        except OSError as exc:
            raise CoachError(f"{job_description}: cannot read the job description "
                             f"({exc.strerror}) — check the path") from None
    config = replace(checked, questions=questions or svc.settings.interview.questions,
                     seed=seed, followups=svc.settings.interview.followups
                     if followups is None else followups, job_description=jd)
    if not plain:
        from coach.cli.tui_launch import launch_tui

        launch_tui(svc if flagged else None, config=config)
        return
    run_line_mode(Interview.start(svc, config))


@app.command("resume")
def resume(session_id: str = typer.Argument("latest"),
           plain: bool = typer.Option(True, "--plain/--tui"),
           provider: str = PROVIDER_OPT,
           model: str = MODEL_OPT,
           base_url: str = BASE_URL_OPT,
           timeout: str = TIMEOUT_OPT,
           temperature: str = TEMPERATURE_OPT) -> None:
    """Continue an unfinished session, showing each question as it was first worded."""
    from coach.interview.session import Interview

    svc, flagged = run_services(provider, model, base_url, timeout, temperature)
    if plain or flagged:
        check_provider(svc)
    iv = Interview.resume(svc, session_id)
    if not plain:
        from coach.cli.tui_launch import launch_tui

        launch_tui(svc if flagged else None, resume=iv.id)
        return
    run_line_mode(iv)
