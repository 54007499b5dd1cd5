"""Set-up entry points that need only Python 3.11 and pip (standard library only).

    python3 -m coach.dev run [ARGS]      # create .venv if missing, install what the coach
                                         # needs, start it (ARGS go to `coach`)
    python3 -m coach.dev test [ARGS]     # add the dev extra, then ruff, mypy, the import
                                         # contract and pytest over every core (ARGS go to
                                         # pytest)
    python3 -m coach.dev test --quick    # ruff, then pytest without the tests marked slow or
                                         # integration (the inner loop, about a minute)
    python3 -m coach.dev setup           # install with the dev extra, run nothing
    python3 -m coach.dev lock            # rewrite constraints.txt from the working .venv

Every install is pinned by constraints.txt, the versions the test suite last passed with.
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
CONSTRAINTS = ROOT / "constraints.txt"
# Extras whose packages the lock pins (every optional dependency the project declares).
LOCKED_EXTRAS = ("dev", "local")
# Pytest workers: one per core, at most this many (each worker loads its own copy of the
# embedding model and builds its own index, so more workers than cores only adds set-up).
MAX_WORKERS = 4


def _run(*cmd: str | Path, check: bool = True) -> int:
    print("+", " ".join(str(c) for c in cmd), flush=True)
    return subprocess.run([str(c) for c in cmd], cwd=ROOT, check=check).returncode


def _inputs_digest() -> str:
    """What an install depends on: the declared dependencies and the pinned versions."""
    h = hashlib.sha256((ROOT / "pyproject.toml").read_bytes())
    h.update(b"\0")
    if CONSTRAINTS.exists():
        h.update(CONSTRAINTS.read_bytes())
    return h.hexdigest()[:16]


def setup(dev: bool = True) -> None:
    """Create .venv when missing and install the project (with the dev extra for tests),
    pinned by constraints.txt; done again only when pyproject.toml or constraints.txt change.
    """
    if not PY.exists():
        _run(sys.executable, "-m", "venv", VENV)
        _run(PY, "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    digest = _inputs_digest()
    # A dev install also holds everything `run` needs, so it satisfies both.
    wanted = [f".installed-{digest}-dev"] + ([] if dev else [f".installed-{digest}-run"])
    if any((VENV / name).exists() for name in wanted):
        return
    target = ".[dev]" if dev else "."
    pins: list[str | Path] = ["-c", CONSTRAINTS] if CONSTRAINTS.exists() else []
    print(("Installing the coach and its test tools" if dev else "Installing the coach") +
          " into .venv (the first time takes a few minutes, most of it torch"
          + (" and compiling llama.cpp" if dev else "") + ")...", flush=True)
    _run(PY, "-m", "pip", "install", "--quiet", *pins, "-e", target)
    for old in VENV.glob(".installed-*"):
        old.unlink()
    (VENV / wanted[-1]).touch()


# Runs inside .venv: the installed version of every distribution the project can pull in
# (its dependencies and those of its extras, followed transitively), one `name==version` a line.
_LOCK_SCRIPT = r"""
import importlib.metadata as md
import sys
try:
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name
except ImportError:
    from pip._vendor.packaging.requirements import Requirement
    from pip._vendor.packaging.utils import canonicalize_name

root, extras = sys.argv[1], sys.argv[2].split(",")
pins, seen, missing = {}, set(), []
todo = [(root, tuple(extras))]
while todo:
    name, wanted = todo.pop()
    key = (canonicalize_name(name), wanted)
    if key in seen:
        continue
    seen.add(key)
    try:
        dist = md.distribution(name)
    except md.PackageNotFoundError:
        missing.append(name)
        continue
    if canonicalize_name(name) != canonicalize_name(root):
        version = dist.version.split("+")[0] if name.lower() == "torch" else dist.version
        pins[canonicalize_name(dist.metadata["Name"])] = version
    for text in dist.requires or []:
        req = Requirement(text)
        if req.marker is None or any(req.marker.evaluate({"extra": e}) for e in ("", *wanted)):
            todo.append((req.name, tuple(sorted(req.extras))))
for name in sorted(pins):
    print(f"{name}=={pins[name]}")
for name in sorted(set(missing)):
    print(f"missing {name}", file=sys.stderr)
"""

_LOCK_HEADER = """\
# Pinned versions of every package the coach, its tests (extra "dev") and the local model
# (extra "local") install, taken from a .venv in which `python3 -m coach.dev test` passed.
# `python3 -m coach.dev run|test` install with `pip install -c constraints.txt`.
# Do not edit by hand: change pyproject.toml or upgrade a package in .venv, run the tests,
# then `python3 -m coach.dev lock` (see the README's Set-up section).
# torch is pinned without a build tag (+cpu, +cu126, ...), so each machine takes its own.
"""


def lock() -> int:
    """Rewrite constraints.txt from what is installed in .venv now."""
    if not PY.exists():
        print("error: no .venv yet — run 'python3 -m coach.dev setup' first", file=sys.stderr)
        return 1
    proc = subprocess.run([str(PY), "-c", _LOCK_SCRIPT, "coach", ",".join(LOCKED_EXTRAS)],
                          cwd=ROOT, capture_output=True, text=True)
    if proc.returncode != 0:
        print(proc.stderr, file=sys.stderr, end="")
        return proc.returncode
    if proc.stderr:  # a declared dependency is not installed: the venv is not the tested one
        print(f"error: .venv lacks {proc.stderr.strip()} — run "
              "'.venv/bin/pip install -e \".[dev,local]\"' first", file=sys.stderr)
        return 1
    CONSTRAINTS.write_text(_LOCK_HEADER + proc.stdout)
    print(f"wrote {CONSTRAINTS.name}: {len(proc.stdout.splitlines())} pinned packages")
    # The venv already holds exactly these versions: no reinstall is due for this change.
    digest = _inputs_digest()
    for old in VENV.glob(".installed-*"):
        kind = old.name.rsplit("-", 1)[-1]
        # A stamp without a kind comes from the set-up that always installed the dev extra.
        old.rename(VENV / f".installed-{digest}-{kind if kind in ('dev', 'run') else 'dev'}")
    return 0


def _workers() -> int:
    return max(1, min(os.cpu_count() or 1, MAX_WORKERS))


def test(args: list[str]) -> int:
    quick = "--quick" in args
    args = [a for a in args if a != "--quick"]
    setup(dev=True)
    pytest: list[str | Path] = [BIN / "pytest", "-q", "-n", str(_workers()), "--dist",
                                "loadgroup"]
    if quick:
        pytest += ["-m", "not slow and not integration"]
    steps: list[list[str | Path]] = [[BIN / "ruff", "check", "coach", "tests", "evals"]]
    if not quick:
        steps += [[BIN / "mypy"], [BIN / "lint-imports"]]
    steps.append([*pytest, *args])
    for step in steps:
        code = _run(*step, check=False)
        if code != 0:
            # pytest's own code is returned as it is: 5 (no test collected) is a failure too.
            print(f"failed (exit code {code}): {' '.join(str(s) for s in step)}",
                  file=sys.stderr)
            return code
    return 0


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in ("run", "test", "setup", "lock"):
        print(__doc__)
        return 2
    if argv[0] == "test":
        return test(argv[1:])
    if argv[0] == "lock":
        return lock()
    setup(dev=argv[0] == "setup")
    if argv[0] == "run":
        return subprocess.run([str(BIN / "coach"), *argv[1:]], cwd=ROOT).returncode
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
