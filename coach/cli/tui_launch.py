"""Start the Textual app (imported only when the TUI is wanted)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from coach.services import Services


def launch_tui(services: Services | None = None, **kwargs: Any) -> None:
    """Run the app; `services` carries settings changed for this run (the LLM flags)."""
    from coach.tui.app import run_app

    run_app(services, **kwargs)
