"""`coach eval ...`: the coach measures itself."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from coach.cli import app
from coach.cli.common import echo_json

eval_app = typer.Typer(help="Evaluate the coach itself.", no_args_is_help=True)
app.add_typer(eval_app, name="eval")


@eval_app.command("grader")
def eval_grader(
    dataset: list[Path] = typer.Option(..., "--dataset", help="Graded-answer JSONL (repeatable)."),
    as_json: bool = typer.Option(False, "--json"),
    predictions: Path | None = typer.Option(None, "--predictions", help="Write predictions."),
    limit: int = typer.Option(0, "--limit", min=0),
    provider: str = typer.Option("", "--provider", help="Also grade with an LLM judge."),
) -> None:
    """Agreement of the grader with human scores."""
    from coach.cli.progress import progress_bar
    from coach.evals.grader_eval import evaluate, read_dataset
    from coach.services import build_services

    svc = build_services(provider=provider) if provider else build_services()
    kb = None
    try:
        kb = svc.kb
    except Exception:  # an ad-hoc dataset needs no knowledge base
        kb = None
    all_preds = []
    for path in dataset:
        rows = read_dataset(path, kb)
        if limit:
            rows = rows[:limit]
        predict = None
        if provider:
            from coach.evals.judge_eval import llm_predictor

            predict = llm_predictor(svc)
        with progress_bar(f"Grading {path.name}") as update:
            result, preds = evaluate(rows, svc.grader, name=str(path), progress=update,
                                     predict=predict)
        if provider:
            result["provider"] = provider
        all_preds.extend(preds)
        if as_json:
            print(json.dumps(result))
        else:
            echo_json(result)
    if predictions:
        predictions.parent.mkdir(parents=True, exist_ok=True)
        predictions.write_text("".join(json.dumps(p) + "\n" for p in all_preds))
