"""`coach bench`: speed on this machine, measured now, against the project's targets."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import typer

from coach.cli import app
from coach.cli.common import echo_json
from coach.errors import CoachError


@app.command("bench")
def bench(
    as_json: bool = typer.Option(False, "--json", help="Print the figures as JSON."),
    out: Path | None = typer.Option(None, "--out", help="Also write the JSON to this file."),
    answers: int = typer.Option(280, "--answers", min=10, help="Answers in the batch."),
    latency_answers: int = typer.Option(40, "--latency-answers", min=5,
                                        help="Answers timed one by one."),
    queries: int = typer.Option(120, "--queries", min=5, help="Retrieval queries timed."),
    runs: int = typer.Option(3, "--runs", min=1, help="Launches of --help and the TUI."),
    provider: str = typer.Option("", "--provider", help="Also time the LLM path against this "
                                 "provider (e.g. llamacpp/MODEL); see 'coach providers'."),
    base_url: str = typer.Option("", "--base-url", help="The provider's server URL."),
    llm_only: bool = typer.Option(False, "--llm-only", help="Time only the LLM path."),
    turns: int = typer.Option(3, "--turns", min=1, help="LLM requests timed per figure."),
    max_tokens: int | None = typer.Option(None, "--max-tokens", min=16,
                                          help="Cap each LLM reply at this many tokens "
                                          "(default: the provider's 400)."),
) -> None:
    """Startup, grading, retrieval (against plain LangChain), index build, memory; with
    --provider, the LLM path too (first token, interviewer turn, judge turn)."""
    from coach.bench.runner import format_report, run_benchmark

    def step(message: str) -> None:
        print(f"… {message}", file=sys.stderr, flush=True)

    if llm_only and not provider:
        raise CoachError("--llm-only needs --provider — name the provider to time")
    result: dict[str, Any] = {}
    if not llm_only:
        result = run_benchmark(answers=answers, latency_answers=latency_answers,
                               queries=queries, runs=runs, step=step)
    if provider:
        from coach.bench.llm import format_llm, run_llm_bench
        from coach.services import build_services

        svc = (build_services(provider=provider, base_url=base_url) if base_url
               else build_services(provider=provider))
        step(f"LLM path against {provider} ({turns} turns per figure)")
        result["llm"] = run_llm_bench(svc, turns, max_tokens)
    if out:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    if as_json:
        echo_json(result)
    else:
        lines = [format_report(result)] if not llm_only else []
        if "llm" in result:
            lines.append("\n".join(format_llm(result["llm"])))
        print("\n\n".join(lines))
