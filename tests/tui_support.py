"""Waiting helpers shared by the TUI tests (Pilot runs the app in the test's event loop)."""

from __future__ import annotations

import time
from collections.abc import Callable
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
