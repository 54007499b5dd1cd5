"""`coach eval compare`, the report and charts of `coach eval all`."""

from __future__ import annotations

import copy
import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from coach.errors import CoachError
from coach.evals.charts import bar_chart
from coach.evals.suite import compare, load_results, report_markdown, save_baselines, write_charts


def _results() -> dict[str, Any]:
    return {
        "created": "2026-01-01 10:00:00", "provider": "offline", "limit": 0, "seconds": 12.0,
        "machine": {"python": "3.11", "platform": "linux"},
        "grader": [{"dataset": "interview_answers.test.jsonl", "n": 150, "qwk": 0.91,
                    "pearson": 0.92, "spearman": 0.9, "rmse": 0.72, "mae": 0.5,
                    "answers_per_second": 3.0}],
        "retrieval": [{"dataset": "bank", "n": 507, "recall@1": 0.72, "recall@5": 0.92,
                       "mrr": 0.81}],
        "interviewer": {"questions": 24, "cases": 230, "kinds": ["coding", "technical"],
                        "checks": {"order": {"total": 10, "failed": 1, "pass_rate": 0.9},
                                   "repeat": {"total": 0, "failed": 0, "pass_rate": None}},
                        "mean_score": {"expert": 4.2, "idk": 0.0},
                        "failures": [{"check": "order", "case": "knn-1",
                                      "detail": "expert 3.0 should beat partial 3.5"}]},
    }


def test_compare_marks_worse_metrics_in_either_direction() -> None:
    a = _results()
    b = copy.deepcopy(a)
    b["grader"][0]["qwk"] = 0.85  # agreement fell
    b["grader"][0]["rmse"] = 0.80  # error rose
    b["retrieval"][0]["mrr"] = 0.812  # within tolerance
    b["retrieval"][0]["recall@1"] = 0.80  # better
    rows = {r["metric"]: r for r in compare(a, b, tolerance=0.005)}
    assert rows["grader/interview_answers.test.jsonl/qwk"]["regression"]
    assert rows["grader/interview_answers.test.jsonl/rmse"]["regression"]
    assert not rows["retrieval/bank/mrr"]["regression"]
    assert not rows["retrieval/bank/recall@1"]["regression"]
    assert rows["retrieval/bank/recall@1"]["delta"] == pytest.approx(0.08)
    assert "interviewer/repeat/pass_rate" not in rows  # nothing was measured


def test_compare_command_shows_both_runs_and_fails_strictly(tmp_path: Path) -> None:
    from coach.cli import _register, app

    _register()
    a, b = tmp_path / "a", tmp_path / "b"
    for folder, qwk in ((a, 0.91), (b, 0.80)):
        folder.mkdir()
        data = _results()
        data["grader"][0]["qwk"] = qwk
        (folder / "results.json").write_text(json.dumps(data))
    runner = CliRunner()
    shown = runner.invoke(app, ["eval", "compare", str(a), str(b)])
    assert shown.exit_code == 0
    line = next(x for x in shown.stdout.splitlines() if "/qwk" in x)
    assert "0.9100" in line and "0.8000" in line and "-0.1100" in line and "REGRESSION" in line
    assert "1 regression(s)" in shown.stdout
    assert runner.invoke(app, ["eval", "compare", str(a), str(b), "--strict"]).exit_code == 1
    assert runner.invoke(app, ["eval", "compare", str(a), str(a), "--strict"]).exit_code == 0


def test_a_missing_results_folder_is_one_clear_error(tmp_path: Path) -> None:
    with pytest.raises(CoachError, match=r"no results\.json there — run 'coach eval all"):
        load_results(tmp_path)


def test_report_and_charts_show_every_section(tmp_path: Path) -> None:
    results = _results()
    text = report_markdown(results)
    assert "| interview_answers.test.jsonl | 150 | 0.910 |" in text
    assert "| bank | 507 | 0.720 | 0.920 | 0.810 |" in text
    assert "| order | 9 | 10 | 0.900 |" in text
    assert "**order** knn-1: expert 3.0 should beat partial 3.5" in text
    charts = write_charts(results, tmp_path)
    assert sorted(p.name for p in charts) == ["grader.svg", "interviewer.svg", "personas.svg",
                                              "retrieval.svg"]
    for path in charts:
        root = ET.fromstring(path.read_text())  # well-formed SVG
        assert root.tag.endswith("svg")
    assert ">0.910<" in (tmp_path / "grader.svg").read_text()


def test_chart_marks_missing_values_instead_of_drawing_zero() -> None:
    svg = bar_chart("t", {"row": {"a": None, "b": 0.5}}, ["a", "b"])
    assert ">n/a<" in svg and ">0.500<" in svg


def test_baselines_need_a_full_run(tmp_path: Path) -> None:
    results = _results()
    written = save_baselines(results, tmp_path)
    assert sorted(p.name for p in written) == ["grader.json", "interviewer.json",
                                               "retrieval.json"]
    assert json.loads((tmp_path / "retrieval.json").read_text())["retrieval"][0]["mrr"] == 0.81
    results["limit"] = 5
    with pytest.raises(CoachError, match="without --limit"):
        save_baselines(results, tmp_path)
