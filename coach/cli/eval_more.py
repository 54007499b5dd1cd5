"""`coach eval retrieval|interviewer|all|compare`: more of the coach measuring itself."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import typer

from coach.cli.common import echo_json
from coach.cli.eval_cmds import eval_app
from coach.errors import CoachError

JOBS = typer.Option(1, "--jobs", min=1, max=32, help="Cases run in parallel (threads).")
LIMIT = typer.Option(0, "--limit", min=0, help="At most this many cases per dataset.")
PROVIDER = typer.Option("", "--provider", help="Chat provider (e.g. openai/gpt-4o-mini).")


def _services(provider: str) -> Any:
    from coach.services import build_services

    overrides: dict[str, Any] = {"provider": provider} if provider else {}
    return build_services(**overrides)


def _candidate(svc: Any, provider: str) -> Any:
    """An LLM candidate when a provider is given; the offline provider has none."""
    if not provider or provider == "offline":
        return None
    from coach.evals.personas import llm_candidate

    chat = svc.chat
    if chat is None:
        raise CoachError(f"provider '{provider}' gives no chat model — check 'coach config'")
    return llm_candidate(chat)


@eval_app.command("retrieval")
def eval_retrieval(
    dataset: list[Path] = typer.Option([], "--dataset", help="Query JSONL (repeatable); "
                                       "default: evals/datasets/retrieval_queries.jsonl."),
    bank: bool = typer.Option(True, "--bank/--no-bank", help="Also every bank question."),
    as_json: bool = typer.Option(False, "--json", help="One JSON object per dataset."),
    predictions: Path | None = typer.Option(None, "--predictions", help="Write ranked ids."),
    limit: int = LIMIT, jobs: int = JOBS, provider: str = PROVIDER,
) -> None:
    """Recall@1, recall@5 and MRR of note search."""
    from coach.cli.progress import progress_bar
    from coach.evals.retrieval_eval import misses, run

    svc = _services(provider)
    results, preds = run(svc, dataset or None, bank=bank, jobs=jobs, limit=limit,
                         progress_for=progress_bar)
    if predictions:
        predictions.parent.mkdir(parents=True, exist_ok=True)
        predictions.write_text("".join(json.dumps(p) + "\n" for p in preds), encoding="utf-8")
    if as_json:
        for r in results:
            print(json.dumps(r))
        return
    for r in results:
        print(f"{Path(r['dataset']).name:28} n={r['n']:<4} recall@1 {r['recall@1']:.3f}  "
              f"recall@5 {r['recall@5']:.3f}  MRR {r['mrr']:.3f}  ({r['seconds']:.1f} s)")
    missed = misses(preds)
    if missed:
        print(f"\n{len(missed)} quer{'y' if len(missed) == 1 else 'ies'} without a relevant "
              "note in the top 5, e.g.:")
        for p in missed[:10]:
            print(f"  {p['query'][:70]!r} wants {', '.join(p['relevant'][:3])}; got "
                  f"{', '.join(p['ranked'][:3])}")


@eval_app.command("interviewer")
def eval_interviewer(
    per_kind: int = typer.Option(6, "--per-kind", min=1, help="Questions of each kind."),
    sessions: int = typer.Option(3, "--sessions", min=0, help="Whole sessions to run."),
    as_json: bool = typer.Option(False, "--json"),
    out: Path | None = typer.Option(None, "--out", help="Write every outcome as JSONL."),
    limit: int = LIMIT, jobs: int = JOBS, provider: str = PROVIDER,
) -> None:
    """Simulated candidates: score order, follow-up targets, leaks, injection, repeats."""
    import tempfile

    from coach.cli.progress import progress_bar
    from coach.evals.interviewer_eval import evaluate

    svc = _services(provider)
    candidate = _candidate(svc, provider)
    with tempfile.TemporaryDirectory(prefix="coach-eval-") as home:
        _use_temporary_home(svc, Path(home))
        with progress_bar("Simulated candidates") as update:
            result = evaluate(svc, per_kind=per_kind, sessions=sessions, jobs=jobs,
                              limit=limit, candidate=candidate, progress=update)
        svc.repo.db.close()
    if out:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text("".join(json.dumps(o) + "\n" for o in result["outcomes"]),
                       encoding="utf-8")
    result.pop("outcomes")
    if as_json:
        echo_json(result)
        return
    print(f"{result['questions']} questions ({', '.join(result['kinds'])}), "
          f"{result['cases']} simulated answers, {result['seconds']:.0f} s")
    for name, c in result["checks"].items():
        rate = "n/a" if c["pass_rate"] is None else f"{c['pass_rate']:.1%}"
        print(f"  {name:10} {c['total'] - c['failed']:>4}/{c['total']:<4} {rate}")
    print("Mean score: " + ", ".join(f"{p} {s:.2f}" for p, s in result["mean_score"].items()))
    if result["failures"]:
        print(f"\nFailures ({len(result['failures'])}):")
        for f in result["failures"]:
            print(f"  [{f['check']}] {f['case']}: {f['detail']}")


def _use_temporary_home(svc: Any, home: Path) -> None:
    """Sessions of the eval go to a throwaway database, never the user's history."""
    from coach.grading.models import Grade
    from coach.storage.db import Database
    from coach.storage.repo import Repository

    svc.set("repo", Repository(Database(home / "coach.db"), grade=Grade))


@eval_app.command("all")
def eval_all(
    out: Path | None = typer.Option(None, "--out", help="Results folder "
                                    "(default results/<timestamp>)."),
    semeval: Path | None = typer.Option(None, "--semeval", help="SemEval-2013 folder "
                                        "(default ../shared/datasets/semeval2013 if present)."),
    per_kind: int = typer.Option(6, "--per-kind", min=1, help="Interviewer questions per kind."),
    save_baselines: bool = typer.Option(False, "--save-baselines",
                                        help="Also write evals/baselines/*.json from this run."),
    limit: int = LIMIT, jobs: int = JOBS, provider: str = PROVIDER,
) -> None:
    """Every evaluation; writes report.md, results.json and SVG charts."""
    import tempfile

    from coach.cli.progress import progress_bar
    from coach.evals import suite

    folder = out or Path("results") / time.strftime("%Y%m%d-%H%M%S")
    svc = _services(provider)
    candidate = _candidate(svc, provider)
    with tempfile.TemporaryDirectory(prefix="coach-eval-") as home:
        _use_temporary_home(svc, Path(home))
        results = suite.run_all(svc, folder, limit=limit, jobs=jobs, per_kind=per_kind,
                                semeval=semeval or suite.semeval_dir(), candidate=candidate,
                                progress_for=progress_bar)
        svc.repo.db.close()
    for r in results["grader"]:
        print(f"grader    {r['dataset']:40} n={r['n']:<5} QWK {_num(r['qwk'])}  "
              f"Pearson {_num(r['pearson'])}")
    for r in results["retrieval"]:
        print(f"retrieval {Path(r['dataset']).name:40} recall@1 {r['recall@1']:.3f}  "
              f"recall@5 {r['recall@5']:.3f}  MRR {r['mrr']:.3f}")
    for name, c in results["interviewer"]["checks"].items():
        rate = "n/a" if c["pass_rate"] is None else f"{c['pass_rate']:.1%}"
        print(f"interview {name:40} {rate} of {c['total']}")
    print(f"\nreport: {folder / 'report.md'}")
    if save_baselines:
        for path in suite.save_baselines(results):
            print(f"baseline: {path}")


def _num(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


@eval_app.command("compare")
def eval_compare(
    a: Path = typer.Argument(..., help="Earlier results folder (or results.json)."),
    b: Path = typer.Argument(..., help="Later results folder (or results.json)."),
    tolerance: float = typer.Option(0.005, "--tolerance", min=0.0,
                                    help="Changes smaller than this are not regressions."),
    as_json: bool = typer.Option(False, "--json"),
    strict: bool = typer.Option(False, "--strict", help="Exit 1 when anything regressed."),
) -> None:
    """Two result folders side by side; regressions are marked."""
    from coach.evals.suite import compare, load_results

    rows = compare(load_results(a), load_results(b), tolerance)
    if as_json:
        echo_json(rows)
    else:
        width = max((len(r["metric"]) for r in rows), default=10)
        print(f"{'metric':{width}}  {'A':>8}  {'B':>8}  {'change':>8}")
        for r in rows:
            va = "—" if r["a"] is None else f"{r['a']:.4f}"
            vb = "—" if r["b"] is None else f"{r['b']:.4f}"
            d = "" if r["delta"] is None else f"{r['delta']:+.4f}"
            mark = "  REGRESSION" if r["regression"] else ""
            print(f"{r['metric']:{width}}  {va:>8}  {vb:>8}  {d:>8}{mark}")
        n = sum(r["regression"] for r in rows)
        print(f"\n{n} regression(s)" if n else "\nno regressions")
    if strict and any(r["regression"] for r in rows):
        raise typer.Exit(1)
