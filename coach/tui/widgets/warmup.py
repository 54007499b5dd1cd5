"""Shows what the background warm-up is doing, so a slow model load is never a mystery."""

from __future__ import annotations

from textual.widgets import Static


class WarmupIndicator(Static):
    """One line: the warm-up stage, 'ready', or the error and what to do."""

    def on_mount(self) -> None:
        self.watch(self.app, "warm_state", self._show)

    def _show(self, state: str) -> None:
        self.set_class(state == "ready", "-ready")
        self.set_class(state.startswith("error"), "-error")
        if state == "ready":
            self.update("● Ready — grader and knowledge base loaded")
        elif state.startswith("error"):
            self.update(f"● {state}")
        else:
            self.update(f"◌ Warming up: {state}… (you can start; grading waits for it)")
