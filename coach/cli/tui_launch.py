"""Start the Textual app (imported only when the TUI is wanted)."""

from __future__ import annotations


def launch_tui() -> None:
    from coach.tui.app import run_app

    run_app()
