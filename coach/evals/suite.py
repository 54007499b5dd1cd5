"""`coach eval all` and `coach eval compare`: every evaluation in one results folder."""

from __future__ import annotations

import json
import platform
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

from coach.errors import CoachError
from coach.paths import REPO_ROOT, evals_dir

RESULTS_FILE = "results.json"
ProgressFor = Callable[[str], AbstractContextManager[Callable[[int, int], None]]]
# Metrics where smaller is better; everything else numeric is better when larger.
LOWER_IS_BETTER = ("rmse", "mae", "seconds", "failed")


def semeval_dir() -> Path:
    return REPO_ROOT.parent / "shared" / "datasets" / "semeval2013"


def own_datasets() -> list[Path]:
    folder = evals_dir() / "datasets"
    return [folder / "interview_answers.jsonl", folder / "interview_answers.test.jsonl"]


def grader_datasets(semeval: Path | None) -> list[Path]:
    paths = [p for p in own_datasets() if p.exists()]
    if semeval is not None and semeval.is_dir():
        paths += sorted(semeval.glob("*-test-*.jsonl"))
    return paths


def run_grader(services: Any, paths: list[Path], *, limit: int = 0,
               progress_for: ProgressFor | None = None) -> list[dict[str, Any]]:
    from coach.evals.grader_eval import evaluate, read_dataset

    results = []
    for path in paths:
        rows = read_dataset(path, services.kb)
        if limit:
            rows = rows[:limit]
        with _progress(progress_for, f"Grader: {path.name}") as update:
            result, _ = evaluate(rows, services.grader, name=path.name, progress=update)
        result["path"] = _display(path)
        results.append(result)
    return results


def _display(path: Path) -> str:
    """A path relative to the repository (or its parent, for ../shared), else as given."""
    for base, prefix in ((REPO_ROOT, ""), (REPO_ROOT.parent, "../")):
        try:
            return prefix + str(path.resolve().relative_to(base))
        except ValueError:
            continue
    return str(path)


def _progress(progress_for: ProgressFor | None, label: str
              ) -> AbstractContextManager[Callable[[int, int], None]]:
    if progress_for is not None:
        return progress_for(label)
    from contextlib import contextmanager

    @contextmanager
    def quiet() -> Iterator[Callable[[int, int], None]]:
        yield lambda done, total: None

    return quiet()


def run_all(services: Any, out: Path, *, limit: int = 0, jobs: int = 1,
            semeval: Path | None = None, per_kind: int = 6,
            candidate: Any = None, progress_for: ProgressFor | None = None) -> dict[str, Any]:
    """Grader, retrieval and interviewer evals; writes results.json, report.md and charts."""
    from coach.evals import interviewer_eval, retrieval_eval

    start = time.perf_counter()
    out.mkdir(parents=True, exist_ok=True)
    grader = run_grader(services, grader_datasets(semeval), limit=limit,
                        progress_for=progress_for)
    retrieval, retrieval_preds = retrieval_eval.run(services, jobs=jobs, limit=limit,
                                                    progress_for=progress_for)
    with _progress(progress_for, "Interviewer: simulated candidates") as update:
        interviewer = interviewer_eval.evaluate(
            services, per_kind=per_kind, jobs=jobs, limit=limit, candidate=candidate,
            progress=update)
    results: dict[str, Any] = {
        "created": time.strftime("%Y-%m-%d %H:%M:%S"),
        "machine": {"python": platform.python_version(), "platform": platform.platform()},
        "provider": services.settings.provider,
        "limit": limit,
        "grader": grader,
        "retrieval": retrieval,
        "interviewer": {k: v for k, v in interviewer.items() if k != "outcomes"},
        "seconds": round(time.perf_counter() - start, 1),
    }
    results = _no_nan(results)
    (out / RESULTS_FILE).write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    (out / "retrieval_predictions.jsonl").write_text(
        "".join(json.dumps(p) + "\n" for p in retrieval_preds), encoding="utf-8")
    (out / "interviewer_outcomes.jsonl").write_text(
        "".join(json.dumps(o) + "\n" for o in interviewer["outcomes"]), encoding="utf-8")
    write_charts(results, out)
    (out / "report.md").write_text(report_markdown(results), encoding="utf-8")
    return results


def _no_nan(value: Any) -> Any:
    """Undefined metrics (NaN, e.g. a correlation of constant scores) become null in JSON."""
    if isinstance(value, float) and value != value:
        return None
    if isinstance(value, dict):
        return {k: _no_nan(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_no_nan(v) for v in value]
    return value


def write_charts(results: dict[str, Any], out: Path) -> list[Path]:
    from coach.evals.charts import bar_chart

    charts = {
        "grader.svg": bar_chart(
            "Grader agreement with human scores",
            {r["dataset"]: {"qwk": r.get("qwk"), "pearson": r.get("pearson"),
                            "auc": r.get("auc")} for r in results["grader"]},
            ["qwk", "pearson", "auc"]),
        "retrieval.svg": bar_chart(
            "Retrieval",
            {Path(r["dataset"]).name: {m: r[m] for m in ("recall@1", "recall@5", "mrr")}
             for r in results["retrieval"]},
            ["recall@1", "recall@5", "mrr"]),
        "interviewer.svg": bar_chart(
            "Interviewer checks (pass rate)",
            {name: {"pass rate": c["pass_rate"]}
             for name, c in results["interviewer"]["checks"].items()},
            ["pass rate"]),
        "personas.svg": bar_chart(
            "Mean score by simulated candidate (0-5)",
            {p: {"score": s} for p, s in results["interviewer"]["mean_score"].items()},
            ["score"], top=5.0),
    }
    written = []
    for name, svg in charts.items():
        (out / name).write_text(svg, encoding="utf-8")
        written.append(out / name)
    return written


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.3f}"
    return "—" if value is None else str(value)


def report_markdown(results: dict[str, Any]) -> str:
    lines = [f"# Coach evaluation — {results['created']}", "",
             f"Provider: {results['provider']}; limit: {results['limit'] or 'none'}; "
             f"{results['seconds']} s; Python {results['machine']['python']} on "
             f"{results['machine']['platform']}.", "", "## Grader", "",
             "| dataset | n | QWK | Pearson | Spearman | RMSE | MAE | AUC | answers/s |",
             "|---|---|---|---|---|---|---|---|---|"]
    for r in results["grader"]:
        lines.append("| " + " | ".join(_fmt(r.get(k)) for k in (
            "dataset", "n", "qwk", "pearson", "spearman", "rmse", "mae", "auc",
            "answers_per_second")) + " |")
    lines += ["", "![grader](grader.svg)", "", "## Retrieval", "",
              "| dataset | n | recall@1 | recall@5 | MRR |", "|---|---|---|---|---|"]
    for r in results["retrieval"]:
        lines.append(f"| {Path(r['dataset']).name} | {r['n']} | {_fmt(r['recall@1'])} | "
                     f"{_fmt(r['recall@5'])} | {_fmt(r['mrr'])} |")
    iv = results["interviewer"]
    lines += ["", "![retrieval](retrieval.svg)", "", "## Interviewer", "",
              f"{iv['questions']} questions ({', '.join(iv['kinds'])}), {iv['cases']} "
              "simulated answers.", "", "| check | passed | total | pass rate |",
              "|---|---|---|---|"]
    for name, c in iv["checks"].items():
        lines.append(f"| {name} | {c['total'] - c['failed']} | {c['total']} | "
                     f"{_fmt(c['pass_rate'])} |")
    lines += ["", "Mean score by simulated candidate: " + ", ".join(
        f"{p} {s:.2f}" for p, s in iv["mean_score"].items()), "",
        "![interviewer](interviewer.svg) ![personas](personas.svg)", "", "### Failures", ""]
    lines += [f"- **{f['check']}** {f['case']}: {f['detail']}" for f in iv["failures"]] or [
        "None."]
    return "\n".join(lines) + "\n"


def load_results(folder: Path) -> dict[str, Any]:
    path = folder / RESULTS_FILE if folder.is_dir() else folder
    if not path.exists():
        raise CoachError(f"{folder}: no {RESULTS_FILE} there — run 'coach eval all --out "
                         f"{folder}' first")
    try:
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise CoachError(f"{path}: not valid JSON ({exc.msg}, line {exc.lineno}) — re-run "
                         "the evaluation") from None
    return data


def flatten(results: dict[str, Any]) -> dict[str, float]:
    """Comparable numbers keyed like 'grader/interview_answers.jsonl/qwk'."""
    flat: dict[str, float] = {}
    for r in results.get("grader", []):
        for k in ("qwk", "pearson", "spearman", "rmse", "mae", "auc"):
            if isinstance(r.get(k), int | float):
                flat[f"grader/{r['dataset']}/{k}"] = float(r[k])
    for r in results.get("retrieval", []):
        for k in ("recall@1", "recall@5", "mrr"):
            flat[f"retrieval/{Path(r['dataset']).name}/{k}"] = float(r[k])
    for name, c in results.get("interviewer", {}).get("checks", {}).items():
        if c.get("pass_rate") is not None:
            flat[f"interviewer/{name}/pass_rate"] = float(c["pass_rate"])
    return flat


def compare(a: dict[str, Any], b: dict[str, Any], tolerance: float = 0.005
            ) -> list[dict[str, Any]]:
    """Rows of (metric, A, B, delta, regression) for every metric in either run."""
    fa, fb = flatten(a), flatten(b)
    rows = []
    for key in sorted(set(fa) | set(fb)):
        va, vb = fa.get(key), fb.get(key)
        delta = None if va is None or vb is None else vb - va
        worse = False
        if delta is not None and delta == delta:  # NaN never counts as a regression
            lower = key.rsplit("/", 1)[-1] in LOWER_IS_BETTER
            worse = (delta > tolerance) if lower else (delta < -tolerance)
        rows.append({"metric": key, "a": va, "b": vb, "delta": delta, "regression": worse})
    return rows


def baselines_dir() -> Path:
    return evals_dir() / "baselines"


def save_baselines(results: dict[str, Any], folder: Path | None = None) -> list[Path]:
    """Write the regression baselines (grader, retrieval, interviewer) from a full run."""
    if results.get("limit"):
        raise CoachError("baselines need a full run — run 'coach eval all --save-baselines' "
                         "without --limit")
    folder = folder or baselines_dir()
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for part in ("grader", "retrieval", "interviewer"):
        data = {"created": results["created"], "machine": results["machine"],
                part: results[part]}
        path = folder / f"{part}.json"
        path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
        written.append(path)
    return written


def load_baseline(part: str, folder: Path | None = None) -> Any:
    path = (folder or baselines_dir()) / f"{part}.json"
    if not path.exists():
        raise CoachError(f"{path}: no baseline — run 'coach eval all --save-baselines'")
    return json.loads(path.read_text(encoding="utf-8"))[part]
