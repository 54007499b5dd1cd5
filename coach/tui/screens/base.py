"""The base every coach screen shares: typed access to the app."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

from textual.screen import Screen

if TYPE_CHECKING:
    from coach.tui.app import CoachApp

ResultT = TypeVar("ResultT")


class CoachScreen(Screen[ResultT]):
    @property
    def coach(self) -> CoachApp:
        from coach.tui.app import CoachApp

        assert isinstance(self.app, CoachApp)
        return self.app
