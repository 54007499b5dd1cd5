"""`coach knowledge check|stats`."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from coach.cli.common import echo_json

if TYPE_CHECKING:
    from coach.knowledge.loader import KnowledgeBase
    from coach.knowledge.models import BankQuestion

knowledge_app = typer.Typer(help="Validate and describe the knowledge base.", no_args_is_help=True)


@knowledge_app.command("check")
def check(run_code: bool = typer.Option(
        True, "--run-code/--no-run-code",
        help="Run every coding question's reference solution (Python or SQL) against its "
             "tests in the sandbox.")) -> None:
    """Validate every note and question bank; list every problem as file:line."""
    from coach.grading.bank_vectors import vectors_problem
    from coach.knowledge.loader import load_knowledge
    from coach.paths import knowledge_dir
    from coach.retrieval.note_vectors import note_vectors_problem

    kb = load_knowledge(knowledge_dir())
    problems = [str(p) for p in kb.problems]
    checked = 0
    if run_code:
        failing = _failing_references(kb)
        checked = sum(1 for q in kb.questions.values() if q.kind == "coding")
        problems += failing
    problems += [p for p in (vectors_problem(kb, knowledge_dir()),
                             note_vectors_problem(kb, knowledge_dir())) if p]
    for problem in problems:
        print(problem)
    if problems:
        print(f"{len(problems)} problem(s) in {len(kb.notes)} notes and "
              f"{len(kb.questions)} questions")
        raise typer.Exit(1)
    ran = f", {checked} coding references pass their tests" if run_code else ""
    print(f"ok: {len(kb.notes)} notes, {len(kb.questions)} questions, "
          f"{len({t for n in kb.notes.values() for t in n.meta.topics})} topics{ran}")


def _failing_references(kb: KnowledgeBase) -> list[str]:
    """One line per coding question whose reference solution fails its own tests."""
    from concurrent.futures import ThreadPoolExecutor

    from coach.grading.sandbox import run_tests
    from coach.knowledge.models import CodingQuestion

    coding = [bq for bq in kb.questions.values() if isinstance(bq.question, CodingQuestion)]

    def one(bq: BankQuestion) -> str | None:
        q = bq.question
        assert isinstance(q, CodingQuestion)
        result = run_tests(q, q.reference_solution, timeout=20.0)
        if result.parsed and not result.error and result.passed == result.total:
            return None
        failed = [f"{t.name}: {t.message}" for t in result.tests if not t.passed]
        why = result.error or (failed[0] if failed else "no test ran")
        return (f"{bq.path}:{bq.line}: reference_solution of {q.id} passes "
                f"{result.passed}/{result.total} of its tests ({why[:200]}) — fix the "
                "reference solution or the expected values")

    with ThreadPoolExecutor(max_workers=2) as pool:
        return [line for line in pool.map(one, coding) if line is not None]


@knowledge_app.command("build-vectors")
def build_vectors() -> None:
    """Embed the bank's rubric texts into rubric-vectors.npz and the notes' chunks into
    note-vectors.npz beside the knowledge, so first grades and a first index build need not
    embed them (run after editing questions or notes; unchanged texts are kept)."""
    from coach.embeddings import shared_embedder
    from coach.errors import CoachError
    from coach.grading.bank_vectors import build
    from coach.knowledge.loader import load_knowledge
    from coach.paths import knowledge_dir
    from coach.retrieval import note_vectors

    root = knowledge_dir()
    kb = load_knowledge(root)
    if kb.problems:
        raise CoachError(f"{len(kb.problems)} problem(s) in the knowledge base, first: "
                         f"{kb.problems[0]} — fix them ('coach knowledge check') and build "
                         "the vectors again")
    try:
        result = build(kb, root, shared_embedder())
        notes = note_vectors.build(kb, root, shared_embedder())
    except OSError as exc:
        raise CoachError(f"cannot write the rubric vectors in {root}: {exc.strerror or exc} "
                         "— make the knowledge folder writable and run this again") from exc
    print(f"wrote {result.path}: {result.texts} rubric texts of {len(kb.questions)} "
          f"questions ({result.embedded} embedded now, {result.dropped} unused dropped) and "
          f"the model-answer windows of {result.windows} key points, "
          f"{result.size_bytes / 1e6:.1f} MB")
    print(f"wrote {notes.path}: {notes.texts} chunks of {len(kb.notes)} notes "
          f"({notes.embedded} embedded now), {notes.path.stat().st_size / 1e6:.1f} MB")


@knowledge_app.command("stats")
def stats(as_json: bool = typer.Option(False, "--json", help="Print one JSON object.")) -> None:
    """Counts of notes and questions by track, kind, role and topic."""
    from coach.knowledge.loader import load_knowledge
    from coach.knowledge.stats import knowledge_stats
    from coach.paths import knowledge_dir

    data = knowledge_stats(load_knowledge(knowledge_dir()))
    if as_json:
        echo_json(data)
        return
    for key, value in data.items():
        print(f"{key}: {value}")
