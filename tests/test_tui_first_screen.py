"""The home screen shows quickly: the engine loads later, the counts fill in after the paint."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

from textual.widgets import Button, Static
from tui_support import wait_for

from coach.interview.session import Interview, SessionConfig
from coach.services import Services
from coach.tui.app import CoachApp
from coach.tui.screens.home import HomeScreen

# Modules the home screen does not need: the engine, the knowledge loader, the other screens
# and the Markdown and YAML parsers they bring.
LATER = ("coach.interview.session", "coach.knowledge.loader", "coach.grading.rubric",
         "coach.tui.screens.interview", "coach.tui.screens.notes", "coach.tui.screens.report",
         "coach.tui.screens.history", "coach.tui.screens.settings", "yaml", "markdown_it")

HOME_ONLY = r"""
import asyncio, sys
from coach.services import build_services
from coach.tui.app import CoachApp
from coach.tui.screens.home import HomeScreen

async def main():
    app = CoachApp(build_services(), warm_up=False)
    async with app.run_test(size=(80, 24)) as pilot:
        while not isinstance(app.screen, HomeScreen):
            await pilot.pause(0.01)
        await pilot.pause(0)
        assert app.screen.query_one("#start").region.height > 0
        print("LOADED", ",".join(m for m in sys.argv[1].split(",") if m in sys.modules))

asyncio.run(main())
"""


def test_home_screen_does_not_load_the_engine(coach_home: Path) -> None:
    env = {**os.environ, "COACH_HOME": str(coach_home)}
    out = subprocess.run([sys.executable, "-c", HOME_ONLY, ",".join(LATER)],
                         capture_output=True, text=True, env=env, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    line = next(x for x in out.stdout.splitlines() if x.startswith("LOADED"))
    assert line.strip() == "LOADED", f"imported before the home screen showed: {line}"

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
