"""`coach ARGS` run inside the test process, through the same entry point as the installed
command (so one-line errors and exit codes are the real ones), without paying for a new
interpreter, a second copy of the embedding model and a second index per call.

Use a real process (`python -m coach`) only where the process is the point: signals, kills,
what a fresh interpreter imports, two processes on one database.
"""

from __future__ import annotations

import signal
import subprocess
import sys
from collections.abc import Mapping

from typer.testing import CliRunner

_SIGNALS = [s for s in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, s)]


def run_cli(*args: str, input: str | None = None,
            env: Mapping[str, str | None] | None = None) -> subprocess.CompletedProcess[str]:
    """Run `coach ARGS` in this process with `input` on stdin and `env` overriding the
    environment for the call; stdout, stderr and the exit code come back as from
    `subprocess.run(..., capture_output=True, text=True)`."""
    from coach.cli import main

    handlers = {name: signal.getsignal(getattr(signal, name)) for name in _SIGNALS}
    argv = sys.argv
    code: int = 0
    with CliRunner().isolation(input=input, env=env) as (out, err, _):
        sys.argv = ["coach", *args]
        try:
            main()
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        finally:
            sys.argv = argv
            sys.stdout.flush()
            sys.stderr.flush()
            for name, handler in handlers.items():
                if handler is not None:
                    signal.signal(getattr(signal, name), handler)
        stdout = out.getvalue().decode("utf-8", "replace")
        stderr = err.getvalue().decode("utf-8", "replace")
    return subprocess.CompletedProcess(["coach", *args], code, stdout, stderr)
