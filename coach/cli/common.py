"""Shared CLI helpers: one clear error line instead of a traceback."""

from __future__ import annotations

import contextlib
import importlib
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from coach.errors import CoachError

if TYPE_CHECKING:
    import typer

# Typer 0.29 carries its own copy of click (`typer._click`, with Exit and Abort in
# `typer.exceptions`); older Typers, and perhaps later ones, use the `click` package. Usage
# errors come from whichever this Typer runs on, so the classes of both are caught.
_SOURCES = ("typer.exceptions", "typer._click.exceptions", "click.exceptions")


def _classes(name: str) -> tuple[type[BaseException], ...]:
    found: list[type[BaseException]] = []
    for module in _SOURCES:
        try:
            cls = getattr(importlib.import_module(module), name, None)
        except ImportError:
            continue
        if isinstance(cls, type) and issubclass(cls, BaseException) and cls not in found:
            found.append(cls)
    return tuple(found)


def _say(text: str) -> None:
    with contextlib.suppress(OSError, ValueError):
        print(text, file=sys.stderr)


def _unexpected(exc: BaseException) -> int:
    """A bug, not a usage error: one line for the user, the traceback in the log file."""
    import tempfile
    import traceback
    from pathlib import Path

    detail = "".join(traceback.format_exception(exc))
    where = None
    candidates: list[Path] = []
    try:
        from coach.paths import resolve_paths

        candidates.append(resolve_paths().log_file)
    except Exception:
        pass
    candidates.append(Path(tempfile.gettempdir()) / "coach-crash.log")
    for path in candidates:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("a", encoding="utf-8", errors="replace") as fh:
                fh.write(detail + "\n")
            where = path
            break
        except OSError:
            continue
    first = (str(exc).splitlines() or [""])[0][:200]
    _say(f"error: unexpected {type(exc).__name__}: {first} — this is a bug in coach; "
         + (f"the details are in {where}" if where else "please report it"))
    return 1


def run_guarded(app: typer.Typer) -> int:
    return guarded(lambda: app(standalone_mode=False))


def guarded(call: Callable[[], Any]) -> int:
    """Run `call` (the command line, or the TUI on its own) and turn whatever it raises into
    an exit code and at most one line for the user."""
    try:
        result = call()
        if isinstance(result, int) and not isinstance(result, bool):
            return result
    except CoachError as exc:
        _say(f"error: {exc}")
        return 1
    except KeyboardInterrupt:
        _say("interrupted — anything you submitted is saved")
        return 130
    except SystemExit as exc:
        return int(exc.code or 0) if isinstance(exc.code, int) else 1
    except BrokenPipeError:  # the reader went away (`coach report | head`)
        import os

        with contextlib.suppress(OSError, ValueError):  # so nothing is left to flush at exit
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception as exc:
        if isinstance(exc, _classes("Exit")):
            return int(getattr(exc, "exit_code", 0) or 0)
        if isinstance(exc, _classes("ClickException")):
            exc.show()  # type: ignore[attr-defined]  # usage, then one "Error:" line
            return int(getattr(exc, "exit_code", 1))
        if isinstance(exc, _classes("Abort")):
            _say("aborted")
            return 1
        return _unexpected(exc)
    return 0


def echo_json(data: Any) -> None:
    import json

    print(json.dumps(data, indent=2, ensure_ascii=False, default=str))
