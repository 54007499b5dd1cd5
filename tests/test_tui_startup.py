"""The first screen appears before the embedding model loads."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import threading
from pathlib import Path

from textual.widgets import Input
from tui_support import wait_for

from coach.services import Services
from coach.tui.app import CoachApp
from coach.tui.screens.home import HomeScreen

HOME_ONLY = r"""
import asyncio, sys, time
from coach.services import build_services
from coach.tui.app import CoachApp
from coach.tui.screens.home import HomeScreen

async def main():
    app = CoachApp(build_services(), warm_up=False)
    async with app.run_test(size=(80, 24)) as pilot:
        while not isinstance(app.screen, HomeScreen):
            await pilot.pause(0.01)
        await pilot.pause()
        assert app.screen.query_one("#start").region.height > 0
        heavy = [m for m in ("sentence_transformers", "torch", "chromadb", "langchain_core",
                             "transformers") if m in sys.modules]
        print("HEAVY", ",".join(heavy))

asyncio.run(main())
"""


def test_home_screen_mounts_without_heavy_imports(coach_home: Path) -> None:
    env = {**os.environ, "COACH_HOME": str(coach_home)}
    out = subprocess.run([sys.executable, "-c", HOME_ONLY], capture_output=True, text=True,
                         env=env, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    line = next(x for x in out.stdout.splitlines() if x.startswith("HEAVY"))
    assert line.strip() == "HEAVY", f"imported while showing the home screen: {line}"


class GatedEmbedder:
    """The session's real embedder, whose load() waits until the test opens the gate."""

    def __init__(self, real: object) -> None:
        self.real = real
        self.gate = threading.Event()
        self.load_started = threading.Event()

    def load(self) -> None:
        self.load_started.set()
        self.gate.wait(60)
        self.real.load()  # type: ignore[attr-defined]

    def __getattr__(self, name: str) -> object:
        return getattr(self.real, name)

def test_home_is_usable_while_the_model_is_still_loading(services: Services) -> None:
    gated = GatedEmbedder(services.embedder)
    services.set("embedder", gated)
    services._cache.pop("grader")  # the warm-up builds it after the model loads

    async def run() -> None:
        app = CoachApp(services)
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_for(pilot, gated.load_started.is_set)
            await pilot.pause()
            assert isinstance(app.screen, HomeScreen)
            indicator = str(app.screen.query_one("#warmup").content)
            assert "Warming up: loading the embedding model" in indicator
            field = app.screen.query_one("#questions", Input)
            field.focus()
            await pilot.press("backspace", "3")
            assert field.value == "3"  # the interface answers while the model loads
            gated.gate.set()
            await wait_for(pilot, lambda: app.warm_state == "ready")
            await pilot.pause()
            assert "Ready" in str(app.screen.query_one("#warmup").content)

    asyncio.run(run())
