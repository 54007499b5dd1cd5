"""The Typer app every command registers on (built only when a command is run)."""

from __future__ import annotations

import typer

from coach.cli.knowledge import knowledge_app

app = typer.Typer(
    name="coach",
    help="Practise machine-learning interviews in the terminal. Run with no command for the TUI.",
    no_args_is_help=False,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(knowledge_app, name="knowledge")


@app.callback(invoke_without_command=True)
def _root(ctx: typer.Context) -> None:
    if ctx.invoked_subcommand is None:
        from coach.cli.tui_launch import launch_tui

        launch_tui()


def register() -> None:
    # Command modules register themselves on import; each keeps its heavy imports lazy.
    from coach.cli import commands  # noqa: F401
