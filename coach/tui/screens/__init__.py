"""One screen per module."""

from __future__ import annotations

from typing import Any


def screen_classes() -> list[type[Any]]:
    """Every screen class, in the order Help lists them."""
    from coach.tui.screens.confirm import ConfirmScreen
    from coach.tui.screens.help import HelpScreen
    from coach.tui.screens.history import HistoryScreen
    from coach.tui.screens.home import HomeScreen
    from coach.tui.screens.interview import InterviewScreen
    from coach.tui.screens.notes import NotesScreen
    from coach.tui.screens.report import ReportScreen
    from coach.tui.screens.settings import SettingsScreen

    return [HomeScreen, InterviewScreen, ReportScreen, NotesScreen, HistoryScreen,
            SettingsScreen, HelpScreen, ConfirmScreen]
