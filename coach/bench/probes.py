"""Measurements that need a fresh process: `coach --help` and the TUI's first screen."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any


def _coach_command() -> list[str]:
    script = Path(sys.executable).with_name("coach")
    return [str(script)] if script.exists() else [sys.executable, "-m", "coach"]


def help_time(runs: int = 3, env: dict[str, str] | None = None) -> dict[str, Any]:
    """Wall time of `coach --help`, median over runs (each a new process)."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        proc = subprocess.run([*_coach_command(), "--help"], capture_output=True, text=True,
                              env=env, stdin=subprocess.DEVNULL, timeout=120)
        times.append(time.perf_counter() - start)
        if proc.returncode != 0:
            return {"status": "failed", "reason": (proc.stderr.strip().splitlines()
                                                   or ["no output"])[-1][:200]}
    return {"status": "ok", "median": round(statistics.median(times), 4),
            "runs": [round(t, 4) for t in times]}


def tui_first_screen(runs: int = 3, env: dict[str, str] | None = None,
                     timeout: float = 90.0) -> dict[str, Any]:
    """Launch-to-first-screen time of the TUI, headless; 'unavailable' when it cannot run."""
    times = []
    screen = ""
    for _ in range(runs):
        launched = time.time()
        proc = subprocess.Popen(
            [sys.executable, "-m", "coach.bench.tui_probe", repr(launched)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
            text=True, env=env)
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
            return {"status": "unavailable", "reason": f"no first screen within {timeout:.0f} s"}
        lines = [x for x in out.splitlines() if x.startswith(("FIRST_SCREEN", "UNAVAILABLE"))]
        if not lines:
            tail = (err.strip().splitlines() or ["no output"])[-1][:200]
            return {"status": "unavailable", "reason": f"the probe failed: {tail}"}
        if lines[0].startswith("UNAVAILABLE"):
            return {"status": "unavailable", "reason": lines[0].split(" ", 1)[1]}
        _, seconds, screen = lines[0].split(" ", 2)
        times.append(float(seconds))
    return {"status": "ok", "median": round(statistics.median(times), 4),
            "runs": [round(t, 4) for t in times], "screen": screen}


def child_env(home: Path) -> dict[str, str]:
    """The environment for probes: a throwaway COACH_HOME, no network for model loading."""
    env = dict(os.environ)
    env["COACH_HOME"] = str(home)
    env["HF_HUB_OFFLINE"] = "1"
    return env
