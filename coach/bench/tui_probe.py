"""Run the TUI headless and print the wall-clock time once its first screen is mounted.

Usage: python -m coach.bench.tui_probe LAUNCH_EPOCH_SECONDS
Prints `FIRST_SCREEN <seconds since launch> <screen class>` or `UNAVAILABLE <reason>`.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time


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
        if len(app.screen_stack) < 2:
            print("UNAVAILABLE no screen was pushed within 30 s", flush=True)
            os._exit(0)
        await pilot.pause()
        seconds = time.time() - launched
        print(f"FIRST_SCREEN {seconds:.4f} {type(app.screen).__name__}", flush=True)
        # Leave at once: the background warm-up is not part of the first screen.
        os._exit(0)


def main() -> None:
    asyncio.run(_probe(float(sys.argv[1])))


if __name__ == "__main__":
    main()
