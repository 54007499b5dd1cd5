"""Help: every key binding, with its id for rebinding in the config file."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Footer, Header, Static

from coach.tui.screens.base import CoachScreen

if TYPE_CHECKING:
    pass

INTRO = ("Rebind a key in the config file, e.g.  [keys]  submit = \"ctrl+enter\".  "
         "ctrl+p opens the command palette; tab moves between fields.")
SCOPES = {"CoachApp": "everywhere", "HomeScreen": "home", "InterviewScreen": "interview",
          "ReportScreen": "report", "NotesScreen": "notes", "HistoryScreen": "history",
          "SettingsScreen": "settings", "HelpScreen": "help", "ConfirmScreen": "dialog"}


class HelpScreen(CoachScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="help_back"),
    ]

    def compose(self) -> ComposeResult:
        yield Header(icon="◆")
        yield Static(INTRO, id="help-intro", markup=False)
        yield DataTable(id="keys", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        from coach.tui.app import CoachApp
        from coach.tui.screens import screen_classes

        table = self.query_one("#keys", DataTable)
        table.add_columns("Where", "Key", "Action", "Binding id")
        table.add_row("everywhere", "ctrl+p", "Command palette", "—")
        owners: list[type[Any]] = [CoachApp, *screen_classes()]
        for owner in owners:
            for b in owner.BINDINGS:
                if not isinstance(b, Binding):
                    continue
                key = self.coach.keymap.get(b.id or "", b.key)
                table.add_row(SCOPES.get(owner.__name__, owner.__name__), key,
                              b.description or b.action, b.id or "—")
        table.focus()

    def action_back(self) -> None:
        self.app.pop_screen()
