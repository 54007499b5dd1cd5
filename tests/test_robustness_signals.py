"""Line mode keeps the unsent answer through real signals to a real process; resume shows it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from coach.paths import REPO_ROOT

FIRST = "First line of my unsent answer: bias is error from wrong assumptions."
SECOND = "Second line, still typing: variance is sensitivity to the sample."


def coach(home: Path, *args: str, **kw: object) -> subprocess.Popen[bytes]:
    env = {**os.environ, "COACH_HOME": str(home)}
    return subprocess.Popen([sys.executable, "-m", "coach", *args], env=env, cwd=REPO_ROOT,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, **kw)  # type: ignore[call-overload]


def wait_for_draft(home: Path, text: str, proc: subprocess.Popen[bytes]) -> None:
    """Until the draft saved while typing holds `text` (the process may be slow to start)."""
    deadline = time.monotonic() + 400
    folder = home / "data" / "drafts"
    while time.monotonic() < deadline:
        for path in folder.glob("*.txt"):
            if text in path.read_text(encoding="utf-8", errors="replace"):
                return
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.2)
    proc.kill()
    raise AssertionError(f"no draft holding {text!r} after 400 s")


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP, signal.SIGKILL],
                         ids=["SIGTERM", "SIGHUP", "SIGKILL"])
def test_unsent_text_survives_a_signal_and_resume_shows_it(sig: signal.Signals,
                                                           coach_home: Path) -> None:
    proc = coach(coach_home, "practice", "--plain", "--questions", "1", "--seed", "1",
                 "--followups", "0")
    assert proc.stdin is not None
    proc.stdin.write(f"{FIRST}\n".encode())
    proc.stdin.flush()
    wait_for_draft(coach_home, FIRST, proc)  # saved as it is typed, line by line
    proc.stdin.write(f"{SECOND}\n".encode())
    proc.stdin.flush()
    wait_for_draft(coach_home, SECOND, proc)
    proc.send_signal(sig)
    _, err_bytes = proc.communicate(timeout=120)
    err = err_bytes.decode("utf-8", "replace")
    if sig == signal.SIGKILL:
        assert proc.returncode == -signal.SIGKILL
    else:
        assert proc.returncode == 128 + sig, err
        assert f"stopped ({sig.name})" in err and "kept as a draft" in err
        assert "Traceback" not in err
    resume = subprocess.run([sys.executable, "-m", "coach", "resume", "--plain"],
                            input=b"/end\n", capture_output=True, cwd=REPO_ROOT, timeout=600,
                            env={**os.environ, "COACH_HOME": str(coach_home)})
    out = resume.stdout.decode("utf-8", "replace")
    assert resume.returncode == 0, resume.stderr.decode("utf-8", "replace")
    assert "[draft] Your unsent answer from last time" in out
    assert FIRST in out and SECOND in out
