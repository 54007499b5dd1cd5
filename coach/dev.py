"""Set-up entry points that need only Python 3.11 and pip (standard library only).

    python3 -m coach.dev run    # create .venv if missing, install, start the coach
    python3 -m coach.dev test   # the same set-up, then ruff, mypy, import contract, pytest
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / ("python.exe" if os.name == "nt" else "python")


def _run(*cmd: str | Path, check: bool = True) -> int:
    print("+", " ".join(str(c) for c in cmd), flush=True)
    return subprocess.run([str(c) for c in cmd], cwd=ROOT, check=check).returncode


def setup() -> None:
    """Create .venv when missing and install the project with its dev extra (once per change)."""
    if not PY.exists():
        _run(sys.executable, "-m", "venv", VENV)
        _run(PY, "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()[:16]
    stamp = VENV / f".installed-{digest}"
    if stamp.exists():
        return
    has_torch = subprocess.run([str(PY), "-c", "import torch"], capture_output=True).returncode
    if has_torch != 0 and _run(PY, "-m", "pip", "install", "--quiet", "torch==2.13.0",
                               check=False) != 0:
        # A CPU build of torch first when this machine has one; otherwise whatever pip finds.
        _run(PY, "-m", "pip", "install", "--quiet", "torch")
    _run(PY, "-m", "pip", "install", "--quiet", "-e", ".[dev]")
    for old in VENV.glob(".installed-*"):
        old.unlink()
    stamp.touch()


def test() -> int:
    setup()
    steps: list[list[str | Path]] = [
        [BIN / "ruff", "check", "coach", "tests", "evals"],
        [BIN / "mypy"],
        [BIN / "lint-imports"],
        [BIN / "pytest", "-q"],
    ]
    for step in steps:
        code = _run(*step, check=False)
        if code != 0:
            print(f"failed: {' '.join(str(s) for s in step)}", file=sys.stderr)
            return code
    return 0


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in ("run", "test", "setup"):
        print(__doc__)
        return 2
    if argv[0] == "test":
        return test()
    setup()
    if argv[0] == "run":
        return subprocess.run([str(BIN / "coach"), *argv[1:]], cwd=ROOT).returncode
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
