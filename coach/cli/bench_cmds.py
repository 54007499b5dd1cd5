"""`coach bench`: speed on this machine, measured now, against the project's targets."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer

from coach.cli import app
from coach.cli.common import echo_json


@app.command("bench")
def bench(
    as_json: bool = typer.Option(False, "--json", help="Print the figures as JSON."),
    out: Path | None = typer.Option(None, "--out", help="Also write the JSON to this file."),
    answers: int = typer.Option(280, "--answers", min=10, help="Answers in the batch."),
    latency_answers: int = typer.Option(40, "--latency-answers", min=5,
                                        help="Answers timed one by one."),
    queries: int = typer.Option(120, "--queries", min=5, help="Retrieval queries timed."),
    runs: int = typer.Option(3, "--runs", min=1, help="Launches of --help and the TUI."),
) -> None:
    """Startup, grading, retrieval (against plain LangChain), index build and memory."""
    from coach.bench.runner import format_report, run_benchmark

    def step(message: str) -> None:
        print(f"… {message}", file=sys.stderr, flush=True)

    result = run_benchmark(answers=answers, latency_answers=latency_answers, queries=queries,
                           runs=runs, step=step)
    if out:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    if as_json:
        echo_json(result)
    else:
        print(format_report(result))
