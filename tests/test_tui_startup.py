"""The first screen appears before the embedding model loads."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

from textual.widgets import Input
from tui_support import loaded_by_home_screen, wait_for

from coach.services import Services
from coach.tui.app import CoachApp
from coach.tui.screens.home import HomeScreen


def test_home_screen_mounts_without_heavy_imports(coach_home: Path) -> None:
    heavy = loaded_by_home_screen(coach_home, ("sentence_transformers", "torch", "chromadb",
                                               "langchain_core", "transformers"), idle=True)
    assert heavy == [], f"imported while showing the home screen: {heavy}"


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
