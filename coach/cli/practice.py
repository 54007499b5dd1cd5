"""`coach practice --plain`, `coach resume` and `coach review`: the line-mode interview."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TextIO

import typer

from coach.cli import app
from coach.cli.render import grade_lines, summary_lines
from coach.errors import CoachError


def _read_answer(stream: TextIO, out: TextIO) -> tuple[str, bool]:
    """Lines until one holding only '.', or EOF. Returns (text, eof)."""
    lines: list[str] = []
    while True:
        line = stream.readline()
        if not line:
            return "\n".join(lines).strip("\n"), True
        stripped = line.rstrip("\r\n")
        if stripped.strip() == ".":
            return "\n".join(lines), False
        if not lines and stripped.strip() in ("/hint", "/skip", "/end"):
            return stripped.strip(), False
        lines.append(stripped)


def run_line_mode(interview: object, stream: TextIO = sys.stdin,
                  out: TextIO = sys.stdout) -> None:
    from coach.interview.session import Interview

    assert isinstance(interview, Interview)
    iv = interview

    def say(text: str = "") -> None:
        print(text, file=out, flush=True)

    mock = iv.config.mode == "mock"
    for note in iv.plan.notes:
        say(f"[plan] {note}")
    say(f"Session {iv.id} — {iv.config.questions} question(s), role {iv.config.role}. "
        "End each answer with a line holding only '.'; /hint, /skip and /end work too.")
    step = iv.next()
    while not step.finished:
        if step.grade is not None and step.followup is None:
            if not mock:
                say("")
                for line in grade_lines(step.grade):
                    say(line)
            step = iv.next()
            continue
        q = step.question
        if q is not None and step.followup is None:
            pos, total = iv.progress()
            say(f"\n[{pos}/{total}] {q.track} · {q.kind} · {q.question.difficulty}"
                + (f" — {iv.reason(q.id)}" if iv.reason(q.id) else ""))
        say(f"\nInterviewer: {step.say}")
        if q is not None and q.kind == "coding" and step.followup is None:
            say(f"Signature: {q.question.signature}")  # type: ignore[union-attr]
        answer, eof = _read_answer(stream, out)
        if answer == "/end" or (eof and not answer.strip()):
            step = iv.finish()
            break
        if answer == "/hint":
            say(f"Interviewer: {iv.hint()}")
            step = iv.next()
            continue
        if answer == "/skip":
            step = iv.skip()
            if step.grade is None:
                step = iv.next()
            continue
        step = iv.submit(answer)
        if eof:
            if step.grade is not None and step.followup is None and not mock:
                for line in grade_lines(step.grade):
                    say(line)
            step = iv.finish()
            break
    summary = iv.record.summary or {}
    say("\n— Session summary —")
    if mock and iv.record.turns:
        for t in iv.record.turns:
            if t.grade:
                from coach.grading.models import Grade

                say(f"\n{t.question_id}:")
                for line in grade_lines(Grade.model_validate(t.grade)):
                    say(line)
    if summary:
        for line in summary_lines(summary):
            say(line)
    say(f"Report: coach report {iv.id}")


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
) -> None:
    """Start an interview session."""
    from coach.interview.session import Interview, SessionConfig
    from coach.knowledge.models import DIFFICULTIES, ROLES, TRACKS
    from coach.services import build_services

    svc = build_services()
    role = role or svc.settings.interview.role
    if role not in ROLES:
        raise CoachError(f"unknown role '{role}' — use one of {', '.join(ROLES)}")
    bad = [t for t in track if t not in TRACKS]
    if bad:
        raise CoachError(f"unknown track(s) {bad} — use {', '.join(TRACKS)}")
    if difficulty and difficulty not in DIFFICULTIES:
        raise CoachError(f"unknown difficulty '{difficulty}' — use easy, medium or hard")
    if mode not in ("practice", "mock"):
        raise CoachError(f"unknown mode '{mode}' — use practice or mock")
    jd = ""
    if job_description is not None:
        try:
            jd = job_description.read_text(encoding="utf-8", errors="replace")
        except OSError as exc:
            raise CoachError(f"{job_description}: cannot read the job description "
                             f"({exc.strerror}) — check the path") from None
    config = SessionConfig(role=role, tracks=list(track), difficulty=difficulty or None,
                           questions=questions or svc.settings.interview.questions, seed=seed,
                           mode=mode, followups=svc.settings.interview.followups
                           if followups is None else followups, job_description=jd)
    if not plain:
        from coach.cli.tui_launch import launch_tui

        launch_tui(config=config)
        return
    run_line_mode(Interview.start(svc, config))


@app.command("resume")
def resume(session_id: str = typer.Argument("latest"),
           plain: bool = typer.Option(True, "--plain/--tui")) -> None:
    """Continue an unfinished session."""
    from coach.interview.session import Interview
    from coach.services import build_services

    iv = Interview.resume(build_services(), session_id)
    if not plain:
        from coach.cli.tui_launch import launch_tui

        launch_tui(resume=iv.id)
        return
    run_line_mode(iv)
