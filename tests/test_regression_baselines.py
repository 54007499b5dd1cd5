"""The real evaluations on the real data must not fall below evals/baselines/.

Grader agreement on the project's own held-out answers may not drop more than 0.02 below its
baseline; no retrieval metric may drop at all. Refresh the baselines on purpose with
`coach eval all --save-baselines` (see evals/README.md).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from coach.evals import retrieval_eval, suite
from coach.paths import Paths, evals_dir
from coach.services import Services, build_services
from coach.settings import Settings

AGREEMENT_SLACK = 0.02
HELD_OUT = evals_dir() / "datasets" / "interview_answers.test.jsonl"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def real(tmp_path_factory: pytest.TempPathFactory, embedder, kb, grader  # type: ignore[no-untyped-def]
         ) -> Iterator[Services]:
    """Services over the real knowledge base with an index built once for this module."""
    home = tmp_path_factory.mktemp("regression-home")
    svc = build_services(Settings(), Paths(config_file=home / "config.toml",
                                           data_dir=home / "data"))
    svc.set("embedder", embedder)
    svc.set("kb", kb)
    svc.set("grader", grader)
    yield svc
    if "repo" in svc._cache:
        svc.repo.db.close()


def _baseline(part: str) -> Any:
    return suite.load_baseline(part)


def test_grader_agreement_on_the_held_out_own_set_holds(real: Services) -> None:
    base = {r["dataset"]: r for r in _baseline("grader")}[HELD_OUT.name]
    (now,) = suite.run_grader(real, [HELD_OUT])
    assert now["n"] == base["n"]
    for metric in ("qwk", "pearson"):
        assert now[metric] >= base[metric] - AGREEMENT_SLACK, (
            f"grader {metric} on {HELD_OUT.name}: {now[metric]:.4f} vs baseline "
            f"{base[metric]:.4f}")


def test_no_retrieval_metric_drops(real: Services) -> None:
    base = {Path(r["dataset"]).name: r for r in _baseline("retrieval")}
    results, _ = retrieval_eval.run(real)
    assert {Path(r["dataset"]).name for r in results} == set(base)
    for r in results:
        b = base[Path(r["dataset"]).name]
        assert r["n"] == b["n"]
        for metric in ("recall@1", "recall@5", "mrr"):
            # Search scores every chunk exactly (no approximate HNSW ordering), so the
            # metrics repeat to the last digit: any drop is a regression.
            assert r[metric] >= b[metric], (
                f"retrieval {metric} on {r['dataset']}: {r[metric]} vs baseline {b[metric]}")


def test_eval_all_writes_report_results_and_charts(real: Services, tmp_path: Path) -> None:
    from coach.grading.models import Grade
    from coach.storage.db import Database
    from coach.storage.repo import Repository

    real.set("repo", Repository(Database(tmp_path / "eval.db"), grade=Grade))
    out = tmp_path / "results"
    results = suite.run_all(real, out, limit=3, per_kind=1, semeval=suite.semeval_dir())
    names = {p.name for p in out.iterdir()}
    assert {"results.json", "report.md", "grader.svg", "retrieval.svg", "interviewer.svg",
            "personas.svg", "retrieval_predictions.jsonl", "interviewer_outcomes.jsonl"} <= names
    saved = json.loads((out / "results.json").read_text())
    assert saved["grader"] == results["grader"]
    datasets = [r["dataset"] for r in saved["grader"]]
    assert datasets[:2] == ["interview_answers.jsonl", "interview_answers.test.jsonl"]
    if suite.semeval_dir().is_dir():
        assert any(d.startswith("scientsbank-test") for d in datasets)
    assert all(r["n"] == 3 for r in saved["grader"] + saved["retrieval"])
    assert set(saved["interviewer"]["checks"]) == {"order", "injection", "target", "leak",
                                                   "repeat", "challenge"}
    report = (out / "report.md").read_text()
    assert "## Grader" in report and "## Retrieval" in report and "## Interviewer" in report
