"""Run the TUI headless and print the wall-clock time once its first screen is mounted.

Usage: python -m coach.bench.tui_probe LAUNCH_EPOCH_SECONDS
Prints `FIRST_SCREEN <seconds since launch> <screen class>` or `UNAVAILABLE <reason>`.

"First screen" means: the app's first screen is pushed, it and every widget it composes have
processed their pending messages (all mounted, nothing left to add), and a frame of it has
been painted. The probe does not wait for the process to be idle (`pilot.pause()` with no
delay would): the background warm-up keeps a core busy for seconds after the first screen,
so that wait always ran to its one-second cap and measured the warm-up, not the screen.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from typing import Any


async def _settled(pilot: Any, screen: Any, deadline: float) -> bool:
    """Wait until the screen's widget tree stops growing and every widget is mounted."""
    seen = -1
    while time.monotonic() < deadline:
        # pause(0): every pending message of the app, the screen and its widgets is handled,
        # then the screen paints a frame; repeated until a round adds no widget.
        await pilot.pause(0)
        widgets = list(screen.walk_children(with_self=True))
        if len(widgets) == seen and all(w.is_mounted for w in widgets):
            return True
        seen = len(widgets)
    return False


async def _probe(launched: float) -> None:
    try:
        from coach.services import build_services
        from coach.tui.app import CoachApp
    except Exception as exc:  # the TUI may not exist in this build
        print(f"UNAVAILABLE cannot import coach.tui.app ({type(exc).__name__}: {exc})",
              flush=True)
        os._exit(0)
    app = CoachApp(build_services())
    async with app.run_test(headless=True, size=(100, 30)) as pilot:
        # The default screen is always first; the app's own first screen is pushed on mount.
        deadline = time.monotonic() + 30
        while len(app.screen_stack) < 2 and time.monotonic() < deadline:
            await asyncio.sleep(0.002)
        if len(app.screen_stack) < 2 or not await _settled(pilot, app.screen_stack[1],
                                                            deadline):
            print("UNAVAILABLE no screen was pushed and mounted within 30 s", flush=True)
            os._exit(0)
        seconds = time.time() - launched
        print(f"FIRST_SCREEN {seconds:.4f} {type(app.screen).__name__}", flush=True)
        # Leave at once: the background warm-up is not part of the first screen.
        os._exit(0)


def main() -> None:
    asyncio.run(_probe(float(sys.argv[1])))


if __name__ == "__main__":
    main()
