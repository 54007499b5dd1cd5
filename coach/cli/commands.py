"""Imports every command module so each registers on the app."""

from __future__ import annotations

from coach.cli import core_cmds, eval_cmds, practice  # noqa: F401
