"""`coach knowledge check|stats`."""

from __future__ import annotations

import typer

from coach.cli.common import echo_json

knowledge_app = typer.Typer(help="Validate and describe the knowledge base.", no_args_is_help=True)


@knowledge_app.command("check")
def check() -> None:
    """Validate every note and question bank; list every problem as file:line."""
    from coach.knowledge.loader import load_knowledge
    from coach.paths import knowledge_dir

    kb = load_knowledge(knowledge_dir())
    for problem in kb.problems:
        print(problem)
    if kb.problems:
        print(f"{len(kb.problems)} problem(s) in {len(kb.notes)} notes and "
              f"{len(kb.questions)} questions")
        raise typer.Exit(1)
    print(f"ok: {len(kb.notes)} notes, {len(kb.questions)} questions, "
          f"{len({t for n in kb.notes.values() for t in n.meta.topics})} topics")


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
