"""Imports every command module so each registers on the app."""

from __future__ import annotations

from coach.cli import (  # noqa: F401
    bench_cmds,
    core_cmds,
    eval_cmds,
    eval_more,
    practice,
    provider_cmds,
    report_cmds,
)
