"""Shared CLI helpers: one clear error line instead of a traceback."""

from __future__ import annotations

import sys
from typing import Any

import typer

from coach.errors import CoachError


def run_guarded(app: typer.Typer) -> int:
    try:
        result = app(standalone_mode=False)
        if isinstance(result, int) and not isinstance(result, bool):
            return result
    except CoachError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted — anything you submitted is saved", file=sys.stderr)
        return 130
    except SystemExit as exc:
        return int(exc.code or 0) if isinstance(exc.code, int) else 1
    except Exception as exc:  # click's usage errors and friends
        import click

        if isinstance(exc, click.exceptions.Exit):
            return exc.exit_code
        if isinstance(exc, click.ClickException):
            exc.show()
            return exc.exit_code
        if isinstance(exc, click.exceptions.Abort):
            print("aborted", file=sys.stderr)
            return 1
        raise
    return 0


def echo_json(data: Any) -> None:
    import json

    print(json.dumps(data, indent=2, ensure_ascii=False, default=str))
