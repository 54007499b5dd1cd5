"""`coach report|history|progress|review|plan|export|import`: what a candidate keeps."""

from __future__ import annotations

import os
import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from coach.cli import app
from coach.cli.common import echo_json
from coach.errors import CoachError

if TYPE_CHECKING:
    from rich.console import Console

    from coach.services import Services


def _services() -> Services:
    from coach.services import build_services

    return build_services()


def _write(path: Path, text: str) -> None:
    """Write text to path through a temporary file, so a failed write leaves no half file."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise CoachError(f"{path}: cannot write ({exc.strerror}) — check the folder exists "
                         "and is writable") from None


def _cell(value: object) -> str:
    """A value from the database (an import can put anything there) as plain table text:
    no rich markup, no control characters."""
    from rich.markup import escape

    from coach.reports.safe_text import valid_unicode, visible

    return escape(visible(valid_unicode(str(value))))


def _console() -> Console:
    from rich.console import Console

    console = Console()
    # Piped output has no width; wide enough that table rows do not wrap mid-word.
    return console if console.is_terminal else Console(width=120)


@app.command("report")
def report(session_id: str = typer.Argument("latest", help="A session id (or its start), or "
                                            "'latest'."),
           fmt: str = typer.Option("md", "--format", "-f", help="md, html or json."),
           output: Path | None = typer.Option(None, "--output", "-o", help="Write to this "
                                              "file; '-' prints. HTML goes to the reports "
                                              "folder when not given.")) -> None:
    """Write the feedback report of a session."""
    from coach.reports import FORMATS, render
    from coach.reports.build import build_report, review_due_map

    if fmt not in FORMATS:
        raise CoachError(f"unknown format '{fmt}' — use md, html or json")
    svc = _services()
    record = svc.repo.session(session_id)
    if output is None and fmt == "html":
        output = svc.paths.reports_dir / f"session-{record.id}.html"
    to_stdout = output is None or str(output) == "-"
    link_base = None if to_stdout or output is None else output.parent
    built = build_report(record, svc.kb, review_due=review_due_map(svc.repo.review_states()),
                         link_base=link_base)
    text = render(built, fmt)
    if to_stdout or output is None:
        sys.stdout.write(text)
        return
    _write(output, text)
    print(f"report written to {output}")


@app.command("history")
def history(limit: int = typer.Option(50, "--limit", "-n", min=1),
            as_json: bool = typer.Option(False, "--json")) -> None:
    """List past sessions, newest first."""
    from coach.grading.models import level_for

    sessions = _services().repo.sessions(limit=limit)
    rows = [{"id": s.id, "date": s.created_at, "role": s.role, "mode": s.mode,
             "status": s.status, "questions": len(s.turns),
             "answered": sum(1 for t in s.turns if t.score is not None and not t.skipped),
             "score": s.score, "level": level_for(s.score) if s.score is not None else None}
            for s in sessions]
    if as_json:
        echo_json(rows)
        return
    if not rows:
        print("no sessions yet — start one with 'coach practice'")
        return
    from rich.table import Table

    table = Table(title=f"{len(rows)} session(s), newest first", title_justify="left")
    for col in ("Session", "Date (UTC)", "Role", "Mode", "Status", "Answered", "Score"):
        table.add_column(col, justify="right" if col in ("Answered", "Score") else "left")
    for r in rows:
        score = f"{r['score']:.1f} {r['level']}" if r["score"] is not None else "–"
        table.add_row(*(_cell(v) for v in (r["id"], str(r["date"])[:16].replace("T", " "),
                                           r["role"], r["mode"], r["status"])),
                      f"{r['answered']}/{r['questions']}", score)
    _console().print(table)
    print("Report of one: coach report SESSION --format html")


@app.command("progress")
def progress(role: str = typer.Option("", "--role", help="Also list the role's topics not "
                                      "practised yet (default: the configured role)."),
             as_json: bool = typer.Option(False, "--json")) -> None:
    """Per-topic mastery and its trend, with charts."""
    from coach.history.progress import load_progress
    from coach.interview.review import due_count

    svc = _services()
    role = _role(role or svc.settings.interview.role)
    prog = load_progress(svc.repo, svc.kb, role)
    due = due_count(svc.repo)
    if as_json:
        echo_json({"topics": [{"topic": t.topic, "attempts": t.attempts, "mastery": t.mastery,
                               "level": t.level, "trend": t.trend, "change": t.change,
                               "scores": [s for _, s in t.scores]} for t in prog.topics],
                   "sessions": [{"id": i, "date": d, "score": s} for i, d, s in prog.sessions],
                   "unpractised": prog.unpractised, "due_reviews": due, "role": role})
        return
    if not prog.topics:
        print("no graded answers yet — start with 'coach practice'")
        return
    from coach.reports.terminal import progress_table, session_chart

    console = _console()
    console.print(progress_table(prog))
    if len(prog.sessions) > 1:
        console.print(session_chart(prog))
    print(f"{len(prog.unpractised)} {role} topic(s) not practised yet"
          + (": " + ", ".join(prog.unpractised[:12]) + (" …" if len(prog.unpractised) > 12
                                                         else "") if prog.unpractised else ""))
    print(f"{due} question(s) due for review" + (" — run 'coach review'" if due else ""))


@app.command("review")
def review(limit: int = typer.Option(10, "--limit", "-n", min=1, max=50,
                                     help="Most questions in this session."),
           list_only: bool = typer.Option(False, "--list", help="Only list what is due.")
           ) -> None:
    """Answer the questions spaced review says are due (line mode)."""
    from coach.cli.practice import run_line_mode
    from coach.interview.review import due_questions, next_due
    from coach.interview.session import Interview, SessionConfig

    svc = _services()
    due = due_questions(svc.repo)
    known = [q for q in due if q in svc.kb.questions]
    gone = len(due) - len(known)
    if gone:
        print(f"note: {gone} due question(s) are no longer in the knowledge base and are "
              "left out", file=sys.stderr)
    if not known:
        when = next_due(svc.repo)
        print("nothing is due for review" + (f"; the next comes due {when[:16]} UTC"
                                              if when else " — practise first: 'coach "
                                              "practice'"))
        return
    if list_only:
        for qid in known:
            print(qid)
        print(f"{len(known)} question(s) due")
        return
    picked = known[:limit]
    config = SessionConfig(role=svc.settings.interview.role, questions=len(picked),
                           question_ids=picked, followups=svc.settings.interview.followups)
    run_line_mode(Interview.start(svc, config), sys.stdin, sys.stdout)


def _role(role: str) -> str:
    from coach.knowledge.models import ROLES

    if role not in ROLES:
        raise CoachError(f"unknown role '{role}' — use one of {', '.join(ROLES)}")
    return role


@app.command("plan")
def plan(interview_date: str = typer.Option(..., "--interview-date", help="YYYY-MM-DD."),
         hours_per_week: float = typer.Option(5.0, "--hours-per-week"),
         role: str = typer.Option("", "--role", help="Default: the configured role.")) -> None:
    """A dated preparation plan until the interview, printed and saved as Markdown."""
    from datetime import datetime

    from coach.history.plan import make_prep_plan, render_plan
    from coach.history.progress import load_progress
    from coach.reports.build import review_due_map

    try:
        when = date.fromisoformat(interview_date)
    except ValueError:
        raise CoachError(f"--interview-date '{interview_date}' is not a date — write it as "
                         "YYYY-MM-DD") from None
    svc = _services()
    role = _role(role or svc.settings.interview.role)
    prog = load_progress(svc.repo, svc.kb, role)
    scores = {t.question_id: float(t.score or 0) for t in svc.repo.graded_turns()}
    prep = make_prep_plan(svc.kb, prog, role, when, hours_per_week=hours_per_week,
                          due=review_due_map(svc.repo.review_states()),
                          question_scores=scores)
    text = render_plan(prep)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    path = svc.paths.reports_dir / f"plan-{role}-{when.isoformat()}-made-{stamp}.md"
    _write(path, text)
    print(text)
    print(f"plan saved to {path}")


@app.command("export")
def export(file: Path = typer.Argument(..., help="The JSON file to write."),
           force: bool = typer.Option(False, "--force", help="Replace an existing file.")
           ) -> None:
    """Write the whole history (sessions, answers, grades, review state) to a JSON file."""
    from coach.history.transfer import write_export

    counts = write_export(_services().repo, file, force=force)
    print(f"exported {counts['sessions']} session(s), {counts['turns']} answer(s), "
          f"{counts['review_state']} review card(s), {counts['drafts']} draft(s) to {file}")


@app.command("import")
def import_(file: Path = typer.Argument(..., help="A file made by 'coach export'.")) -> None:
    """Merge a history exported with 'coach export' (validated first; safe to repeat)."""
    from coach.history.transfer import import_history, read_export

    export_file = read_export(file)
    result = import_history(_services().repo, export_file)
    print(f"imported {file}: {result}")
