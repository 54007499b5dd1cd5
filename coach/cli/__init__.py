"""The command line: one Typer app, with command groups in their own modules."""

from __future__ import annotations

import sys

import typer

from coach.cli.common import run_guarded
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


def _register() -> None:
    # Command modules register themselves on import; each keeps its heavy imports lazy.
    from coach.cli import commands  # noqa: F401


def main() -> None:
    _register()
    sys.exit(run_guarded(app))
