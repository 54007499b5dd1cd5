"""The home screen shows quickly: the engine loads later, the counts fill in after the paint."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Button, Select, Static
from tui_support import loaded_by_home_screen, wait_for

from coach.interview.session import Interview, SessionConfig
from coach.services import Services
from coach.tui.app import CoachApp
from coach.tui.screens import home as home_module
from coach.tui.screens.home import HomeScreen

# Modules the home screen does not need: the engine, the knowledge loader, the other screens
# and the Markdown and YAML parsers they bring.
LATER = ("coach.interview.session", "coach.knowledge.loader", "coach.grading.rubric",
         "coach.tui.screens.interview", "coach.tui.screens.notes", "coach.tui.screens.report",
         "coach.tui.screens.history", "coach.tui.screens.settings", "yaml", "markdown_it")

def test_home_screen_does_not_load_the_engine(coach_home: Path) -> None:
    loaded = loaded_by_home_screen(coach_home, LATER, idle=False)
    assert loaded == [], f"imported before the home screen showed: {loaded}"


# Shows the home screen as `coach` does and prints which of the modules named in argv[1] were
# imported when the first frame was drawn: the home screen reads its counts from the database
# only after that frame (call_after_refresh), so that is when `load_status` is first called.
_BEFORE_FIRST_FRAME = r"""
import asyncio, sys
from coach.services import build_services
from coach.tui.app import CoachApp
from coach.tui.screens.home import HomeScreen

watched = sys.argv[1].split(",")
seen = []
after_paint = HomeScreen.load_status

def load_status(self):
    seen.append([m for m in watched if m in sys.modules])
    return after_paint(self)

HomeScreen.load_status = load_status

async def main():
    app = CoachApp(build_services(), warm_up=False)
    async with app.run_test(size=(80, 24)) as pilot:
        while not seen:
            await pilot.pause(0.01)
        assert isinstance(app.screen, HomeScreen)
    print("LOADED", ",".join(seen[0]))

asyncio.run(main())
"""


def test_first_frame_needs_neither_pydantic_nor_pydantic_settings(coach_home: Path) -> None:
    # Reading the settings and drawing the form use plain Python; pydantic and
    # pydantic-settings cost a fifth of a second before the first frame.
    watched = ("pydantic", "pydantic_core", "pydantic_settings", "coach.knowledge.models")
    out = subprocess.run([sys.executable, "-c", _BEFORE_FIRST_FRAME, ",".join(watched)],
                         capture_output=True, text=True, timeout=120,
                         env={**os.environ, "COACH_HOME": str(coach_home)})
    assert out.returncode == 0, out.stderr[-2000:]
    line = next(x for x in out.stdout.splitlines() if x.startswith("LOADED"))
    loaded = [m for m in line.removeprefix("LOADED").strip().split(",") if m]
    assert loaded == [], f"imported before the first frame: {loaded}"


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


def test_a_screen_opened_before_the_home_screen_shows_opens_above_it(
        services: Services) -> None:
    """The home screen is pushed once Textual's start-up has ended; a screen opened before
    that (F3 typed ahead: its action runs before the app's first queued message) still opens
    above the home screen, and leaving it goes back home."""
    app = CoachApp(services, warm_up=False)
    seen: list[str] = []

    async def typed_ahead(pilot: Pilot[None]) -> None:  # runs as soon as the app is ready
        app.action_history()
        await wait_for(pilot, lambda: type(app.screen).__name__ == "HistoryScreen")
        seen.extend(type(s).__name__ for s in app.screen_stack)
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, HomeScreen))
        seen.append(type(app.screen).__name__)
        app.exit()

    asyncio.run(app.run_async(headless=True, size=(100, 30), auto_pilot=typed_ahead))
    assert seen == ["Screen", "HomeScreen", "HistoryScreen", "HomeScreen"]


def test_home_selects_open_and_choose_exactly_like_textual_selects(
        services: Services, monkeypatch: pytest.MonkeyPatch) -> None:
    """The home screen's selects build their option list when first opened; opened by key or
    by mouse, they look the same as Textual's own Select and choose the same values."""
    settings = services.settings
    interview = settings.interview.model_copy(update={"role": "mlops-engineer"})
    monkeypatch.setattr(services, "settings", settings.model_copy(update={"interview": interview}))

    async def use_the_form() -> tuple[str, str, str, str]:
        app = CoachApp(services, warm_up=False)
        async with app.run_test(size=(100, 30)) as pilot:
            await wait_for(pilot, lambda: isinstance(app.screen, HomeScreen))
            home = app.screen
            await wait_for(pilot, lambda: "…" not in str(home.query_one("#due", Static).content))
            role = home.query_one("#role", Select)
            role.focus()
            await pilot.press("enter")
            await pilot.pause()
            by_key = app.export_screenshot()
            await pilot.press("down", "enter")
            await pilot.pause()
            await pilot.click("#mode")
            await pilot.pause()
            by_mouse = app.export_screenshot()
            await pilot.press("down", "enter")
            await pilot.pause()
            config = home.read_config()  # type: ignore[attr-defined]
            return by_key, by_mouse, config.role, config.mode

    ours = asyncio.run(use_the_form())
    monkeypatch.setattr(home_module, "FormSelect", Select)
    textuals = asyncio.run(use_the_form())
    assert ours[2:] == ("ai-engineer", "mock")  # the list opens on the current value
    assert ours == textuals


def test_the_home_screen_skips_only_restyles_that_change_nothing(services: Services) -> None:
    """On its first showing the home screen is not restyled again (its widgets were styled as
    they mounted), and the setup column restyles only itself when its focus changes: after
    each, a full restyle of the screen (Textual's own way) must not change a single cell."""

    async def run() -> None:
        app = CoachApp(services, warm_up=False)
        async with app.run_test(size=(100, 30)) as pilot:
            await wait_for(pilot, lambda: isinstance(app.screen, HomeScreen))
            home = app.screen
            await wait_for(pilot, lambda: "…" not in str(home.query_one("#due", Static).content))
            for target in ("", "#questions", "#setup", "#start", "#setup"):
                if target:
                    home.query_one(target).focus()
                await pilot.pause()
                shown = app.export_screenshot()
                app.update_styles(home)
                await pilot.pause()
                assert app.export_screenshot() == shown, f"focus on {target or 'nothing yet'}"

    asyncio.run(run())
