"""Start the Textual app (imported only when the TUI is wanted)."""

from __future__ import annotations

from typing import Any


def launch_tui(**kwargs: Any) -> None:
    from coach.tui.app import run_app

    run_app(**kwargs)
