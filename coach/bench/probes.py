"""Measurements that need a fresh process: `coach --help` and the TUI's first screen."""

from __future__ import annotations

import itertools
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


HOME_MARK = "New interview"  # drawn on the home screen's form border
BARE_READY = "bare textual app ready"
# The yardstick: a Textual app with a header, one line and a footer (run with `python -c`, so
# the core itself never imports Textual).
BARE_APP = f"""
from textual.app import App
from textual.widgets import Footer, Header, Static
class BareApp(App):
    def compose(self):
        yield Header()
        yield Static({BARE_READY!r})
        yield Footer()
BareApp().run()
"""
_SESSIONS = itertools.count()


def _paint_time(command: list[str], mark: str, env: dict[str, str] | None,
                timeout: float) -> float | None:
    """Seconds from starting `command` in a detached 120x40 tmux session until `mark` is on
    its screen (polled every 10 ms); None when it never shows."""
    session = f"coach-bench-{os.getpid()}-{next(_SESSIONS)}"  # a server of its own
    tmux = ["tmux", "-L", session]
    start = time.perf_counter()
    subprocess.run([*tmux, "new-session", "-d", "-s", session, "-x", "120", "-y", "40",
                    " ".join(command)], env=env, check=True, timeout=30,
                   capture_output=True)
    try:
        while time.perf_counter() - start < timeout:
            screen = subprocess.run([*tmux, "capture-pane", "-p", "-t", session],
                                    capture_output=True, text=True, timeout=30).stdout
            if mark in screen:
                return time.perf_counter() - start
            time.sleep(0.01)
        return None
    finally:
        subprocess.run([*tmux, "kill-server"], capture_output=True, timeout=30)


def tmux_first_paint(runs: int = 5, env: dict[str, str] | None = None,
                     timeout: float = 60.0) -> dict[str, Any]:
    """Launch-to-home-screen time of `coach` in a real terminal (tmux), beside a bare
    Textual app started the same way, alternating runs so both see the same load."""
    import shlex
    import shutil

    if shutil.which("tmux") is None:
        return {"status": "unavailable", "reason": "tmux is not installed"}
    ours: list[float] = []
    bare: list[float] = []
    py = shlex.quote(sys.executable)
    for i in range(runs):
        order = [("bare", [py, "-c", shlex.quote(BARE_APP)], BARE_READY),
                 ("coach", [shlex.quote(c) for c in _coach_command()], HOME_MARK)]
        for name, command, mark in order if i % 2 == 0 else order[::-1]:
            took = _paint_time(command, mark, env, timeout)
            if took is None:
                return {"status": "unavailable",
                        "reason": f"{name}: nothing drawn within {timeout:.0f} s"}
            (ours if name == "coach" else bare).append(took)
    ratio = statistics.median(ours) / statistics.median(bare)
    return {"status": "ok", "median": round(statistics.median(ours), 4),
            "bare_median": round(statistics.median(bare), 4), "ratio": round(ratio, 2),
            "runs": [round(t, 4) for t in ours], "bare_runs": [round(t, 4) for t in bare]}
