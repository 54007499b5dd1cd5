"""`coach` with no arguments opens the TUI without building the command line."""

from __future__ import annotations

import subprocess
import sys

PROBE = """
import sys
sys.argv = ["coach"]
import coach.cli.tui_launch as launch
def fake(*args, **kwargs):
    print("TUI", "typer" in sys.modules, "coach.cli.practice" in sys.modules, flush=True)
    {body}
launch.launch_tui = fake
from coach.cli import main
main()
"""


def _run(body: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", PROBE.format(body=body)],
                          capture_output=True, text=True, timeout=120)


def test_no_arguments_opens_the_tui_without_typer_or_command_modules() -> None:
    done = _run("return None")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "TUI False False"


def test_an_error_while_the_tui_starts_is_one_line_not_a_traceback() -> None:
    failed = _run("from coach.errors import ConfigError; "
                  "raise ConfigError('config.toml: not valid TOML — fix the file')")
    assert failed.returncode == 1
    assert failed.stderr.strip() == "error: config.toml: not valid TOML — fix the file"
    crashed = _run("raise RuntimeError('boom')")
    assert crashed.returncode == 1 and "Traceback" not in crashed.stderr
    assert crashed.stderr.startswith("error: unexpected RuntimeError: boom")


def test_the_command_line_is_built_without_numpy_or_torch() -> None:
    """`coach --help` and every command's parsing stay light: numerical libraries load only
    inside the commands that use them (0.54 s -> 0.40 s for --help when numpy left)."""
    code = ("import sys; from coach.cli.root import app, register; register(); "
            "print(sorted(m for m in ('numpy', 'torch', 'transformers', 'chromadb') "
            "if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
