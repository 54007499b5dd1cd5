"""The home screen shows quickly: the engine loads later, the counts fill in after the paint."""

from __future__ import annotations

import asyncio
from pathlib import Path

from textual.widgets import Button, Static
from tui_support import loaded_by_home_screen, wait_for

from coach.interview.session import Interview, SessionConfig
from coach.services import Services
from coach.tui.app import CoachApp
from coach.tui.screens.home import HomeScreen

# Modules the home screen does not need: the engine, the knowledge loader, the other screens
# and the Markdown and YAML parsers they bring.
LATER = ("coach.interview.session", "coach.knowledge.loader", "coach.grading.rubric",
         "coach.tui.screens.interview", "coach.tui.screens.notes", "coach.tui.screens.report",
         "coach.tui.screens.history", "coach.tui.screens.settings", "yaml", "markdown_it")

def test_home_screen_does_not_load_the_engine(coach_home: Path) -> None:
    loaded = loaded_by_home_screen(coach_home, LATER, idle=False)
    assert loaded == [], f"imported before the home screen showed: {loaded}"


def test_home_fills_in_the_unfinished_session_and_reviews_due(services: Services) -> None:
    iv = Interview.start(services, SessionConfig(seed=5, questions=3, mode="mock"))
    iv.next()  # one question asked, none answered: the session is unfinished

    async def run() -> None:
        app = CoachApp(services, warm_up=False)
        async with app.run_test(size=(100, 30)) as pilot:
            await wait_for(pilot, lambda: isinstance(app.screen, HomeScreen))
            home = app.screen
            unfinished = home.query_one("#unfinished", Static)
            await wait_for(pilot, lambda: iv.id in str(unfinished.content))
            assert "mock · ml-engineer · 0/3 done" in str(unfinished.content)
            assert str(home.query_one("#due", Static).content).startswith("Reviews due: 0")
            assert not home.query_one("#resume", Button).disabled
            await pilot.press("ctrl+r")
            await wait_for(pilot, lambda: type(app.screen).__name__ == "InterviewScreen")

    asyncio.run(run())
