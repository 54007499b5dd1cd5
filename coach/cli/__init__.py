"""The command line: one Typer app (`coach.cli.root`), with command groups in their own
modules.

`coach` with no arguments opens the TUI at once: the command line (Typer and every command
module) is not imported for it, which is a third of the time to the first frame.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from coach.cli.root import app as app
    from coach.cli.root import register as _register  # noqa: F401


def main() -> None:
    from coach.cli.common import guarded

    if len(sys.argv) <= 1:
        from coach.cli.tui_launch import launch_tui

        sys.exit(guarded(launch_tui))
    from coach.cli.common import run_guarded
    from coach.cli.root import app, register

    register()
    sys.exit(run_guarded(app))


def __getattr__(name: str) -> Any:
    """`from coach.cli import app` (command modules, tests) builds the app on first use."""
    if name in ("app", "_register"):
        from coach.cli import root

        return root.app if name == "app" else root.register
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
