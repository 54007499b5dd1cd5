"""Index, search, questions, grade."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from coach.cli import app
from coach.cli.common import echo_json
from coach.errors import CoachError

if TYPE_CHECKING:
    from coach.services import Services

index_app = typer.Typer(help="Build the retrieval index over the notes.", no_args_is_help=True)
questions_app = typer.Typer(help="Browse the question bank.", no_args_is_help=True)
app.add_typer(index_app, name="index")
app.add_typer(questions_app, name="questions")


def services() -> Services:
    from coach.services import build_services

    return build_services()


@index_app.command("build")
def index_build(rebuild: bool = typer.Option(False, "--rebuild", help="Start over.")) -> None:
    """Embed notes whose content changed and drop deleted ones."""
    from coach.cli.progress import progress_bar

    svc = services()
    with progress_bar("Embedding notes") as update:
        report = svc.index.build(svc.kb, rebuild=rebuild, progress=update)
    print(f"indexed {report.embedded_notes} changed note(s) ({report.embedded_chunks} chunks), "
          f"removed {report.removed_notes}, unchanged {report.unchanged_notes} "
          f"in {report.seconds:.2f} s")


@app.command("search")
def search(query: str, k: int = typer.Option(5, "-k", min=1, max=50),
           as_json: bool = typer.Option(False, "--json")) -> None:
    """Search the knowledge notes."""
    svc = services()
    hits = svc.ready_index().search(query, k)
    if as_json:
        echo_json([h.to_dict() for h in hits])
        return
    if not hits:
        print("no results")
    for h in hits:
        print(f"{h.score:.3f}  {h.note_id}  —  {h.heading}\n       {h.snippet}")


@questions_app.command("list")
def questions_list(track: list[str] = typer.Option([], "--track"),
                   role: str = typer.Option("", "--role"),
                   as_json: bool = typer.Option(False, "--json")) -> None:
    """List bank questions."""
    kb = services().kb
    rows = [q for q in kb.questions.values() if (not track or q.track in track)
            and (not role or role in q.question.roles)]
    if as_json:
        echo_json([{"id": q.id, "kind": q.kind, "track": q.track, "note": q.note_id,
                    "difficulty": q.question.difficulty, "roles": q.question.roles,
                    "prompt": q.question.prompt} for q in rows])
        return
    for q in rows:
        print(f"{q.id:40} {q.kind:13} {q.track:16} {q.question.difficulty:6} "
              f"{q.question.prompt[:70]}")
    print(f"{len(rows)} question(s)")


@questions_app.command("show")
def questions_show(question_id: str,
                   answer: bool = typer.Option(False, "--answer", help="Show the model answer.")
                   ) -> None:
    """Show a question, its rubric and hints."""
    q = services().kb.question(question_id)
    qq = q.question
    print(f"{q.id}  [{q.kind}, {q.track}, {qq.difficulty}]  note: {q.note_id}")
    print(f"roles: {', '.join(qq.roles)}   topics: {', '.join(q.topics)}\n")
    print(qq.prompt + "\n")
    for kp in qq.key_points:
        print(f"  - ({kp.weight:g}) {kp.id}: {kp.text}")
    for m in qq.misconceptions:
        print(f"  ✗ {m.claim}\n    → {m.correction}")
    if qq.kind == "coding":
        if qq.language == "sql":
            print(f"\n{qq.stub}\n({len(qq.tests)} tests)")
        else:
            print(f"\nsignature: {qq.signature}  ({len(qq.tests)} tests)")
    for h in qq.hints:
        print(f"  hint: {h}")
    if answer:
        print("\nModel answer:\n" + qq.model_answer)
        if qq.kind == "behavioral":
            for flag in qq.red_flags:
                print(f"  red flag: {flag}")
            for signal in qq.staff_signals:
                print(f"  staff signal: {signal}")


@app.command("grade")
def grade(question: str | None = typer.Option(None, "--question", help="Bank question id."),
          answer_file: Path | None = typer.Option(None, "--answer-file",
                                                  help="File with the answer; '-' reads "
                                                  "standard input."),
          batch: Path | None = typer.Option(
              None, "--batch", help="JSON lines: id, answer and question_id, or question + "
              "reference_answer (optional rubric: a list of key points)."),
          as_json: bool = typer.Option(False, "--json",
                                       help="JSON (with --batch: one grade per line).")) -> None:
    """Grade one answer against a bank question, or a batch file of answers."""
    import io
    import sys

    if batch is not None:
        if question is not None or answer_file is not None:
            raise CoachError("--batch takes the questions from the file — leave out "
                             "--question and --answer-file")
        from coach.cli.batch_cmd import run_batch

        run_batch(batch, as_json)
        return
    if question is None or answer_file is None:
        raise CoachError("give --question ID and --answer-file FILE, or --batch FILE")

    from coach.cli.render import print_grade
    from coach.grading.rubric import rubric_for
    from coach.interview.session import MAX_ANSWER_CHARS
    from coach.reports.safe_text import valid_unicode

    svc = services()
    q = svc.kb.question(question)
    # Never more than an answer can hold: /dev/zero or a huge file must not fill the memory.
    if str(answer_file) == "-":
        if isinstance(sys.stdin, io.TextIOWrapper):
            sys.stdin.reconfigure(errors="replace")
        text = sys.stdin.read(MAX_ANSWER_CHARS + 1)
    else:
        try:
            with answer_file.open(encoding="utf-8", errors="replace") as fh:
                text = fh.read(MAX_ANSWER_CHARS + 1)
        except OSError as exc:
            raise CoachError(f"{answer_file}: cannot read the answer ({exc.strerror}) — check "
                             "the path") from None
    if len(text) > MAX_ANSWER_CHARS:
        text = text[:MAX_ANSWER_CHARS]
        print(f"note: the answer was cut at {MAX_ANSWER_CHARS:,} characters, the most one "
              "answer holds; only that part is graded", file=sys.stderr)
    result = svc.grader.grade(rubric_for(q.question), valid_unicode(text))
    if as_json:
        echo_json(result.model_dump(mode="json"))
        return
    print_grade(result)
