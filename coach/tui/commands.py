"""The command palette's coach commands (ctrl+p)."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider


class CoachCommands(Provider):
    """Main actions: start, resume, notes, history, settings, help, theme, interview actions."""

    def _commands(self) -> list[tuple[str, str, Callable[[], object]]]:
        from coach.tui.screens.interview import InterviewScreen

        app = self.app
        run = app.run_action
        items: list[tuple[str, str, Callable[[], object]]] = [
            ("New interview", "Go to the home screen to set up a session", partial(run, "home")),
            ("Notes", "Search the knowledge base and read a note", partial(run, "notes")),
            ("History and progress", "Past sessions, topic mastery, due reviews",
             partial(run, "history")),
            ("Settings", "Provider, model, base URL, theme", partial(run, "settings")),
            ("Help", "Every key binding", partial(run, "help")),
            ("Toggle light/dark theme", "Switch between textual-light and textual-dark",
             partial(run, "toggle_dark")),
        ]
        screen = self.screen
        if isinstance(screen, InterviewScreen):
            act = screen.run_action
            items += [
                ("Submit answer", "Send the answer for grading", partial(act, "submit")),
                ("Hint", "Ask for a hint (practice mode)", partial(act, "hint")),
                ("Skip question", "Move on without an answer", partial(act, "skip")),
                ("Related notes", "Read the note behind this question (practice mode)",
                 partial(act, "related_notes")),
                ("End interview", "Finish now and see the report", partial(act, "end")),
            ]
        return items

    async def discover(self) -> Hits:
        for name, help_text, callback in self._commands():
            yield DiscoveryHit(name, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, help_text, callback in self._commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), callback, help=help_text)
