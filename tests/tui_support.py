"""Waiting helpers shared by the TUI tests (Pilot runs the app in the test's event loop)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from textual.pilot import Pilot

from coach.tui.app import CoachApp
from coach.tui.screens.interview import InterviewScreen


async def wait_for(pilot: Pilot[Any], ready: Callable[[], bool], timeout: float = 90.0) -> None:
    """Let the app run until `ready()` holds; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not ready():
        if time.monotonic() > deadline:
            raise AssertionError("the app did not get there in time")
        await pilot.pause(0.05)


async def opened(pilot: Pilot[Any], app: CoachApp) -> InterviewScreen:
    """The interview screen once its session is loaded and nothing is running."""
    await wait_for(pilot, lambda: isinstance(app.screen, InterviewScreen))
    screen = app.screen
    assert isinstance(screen, InterviewScreen)
    await wait_for(pilot, lambda: screen.iv is not None and not screen.busy)
    return screen


_HOME_ONLY = r"""
import asyncio, sys
from coach.services import build_services
from coach.tui.app import CoachApp
from coach.tui.screens.home import HomeScreen

async def main():
    app = CoachApp(build_services(), warm_up=False)
    async with app.run_test(size=(80, 24)) as pilot:
        while not isinstance(app.screen, HomeScreen):
            await pilot.pause(0.01)
        await (pilot.pause() if sys.argv[2] == "idle" else pilot.pause(0))
        assert app.screen.query_one("#start").region.height > 0
        print("LOADED", ",".join(m for m in sys.argv[1].split(",") if m in sys.modules))

asyncio.run(main())
"""


def loaded_by_home_screen(home: Path, modules: Sequence[str], *, idle: bool) -> list[str]:
    """Which of `modules` a fresh process has imported once the TUI's home screen shows
    (after one frame, or once the app is idle)."""
    env = {**os.environ, "COACH_HOME": str(home)}
    out = subprocess.run([sys.executable, "-c", _HOME_ONLY, ",".join(modules),
                          "idle" if idle else "frame"],
                         capture_output=True, text=True, env=env, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    line = next(x for x in out.stdout.splitlines() if x.startswith("LOADED"))
    return [m for m in line.removeprefix("LOADED").strip().split(",") if m]
