"""`coach eval retrieval`: datasets, metrics and the command on a small real knowledge base."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from cli_support import run_cli

from coach.errors import CoachError
from coach.evals.retrieval_eval import (
    first_relevant,
    merge_query_parts,
    mrr,
    read_queries,
    recall_at,
)
from coach.paths import REPO_ROOT

DATASET = REPO_ROOT / "evals/datasets/retrieval_queries.jsonl"
SMALL_NOTES = ("algorithms/knn", "algorithms/decision-trees", "fundamentals/regularization")


def test_shipped_query_set_is_large_valid_and_in_step_with_the_parts(kb) -> None:  # type: ignore[no-untyped-def]
    cases = read_queries(DATASET, kb)  # raises on any unknown note id
    assert len(cases) >= 150
    assert len({c.id for c in cases}) == len(cases)
    bank_prompts = {q.question.prompt.lower() for q in kb.questions.values()}
    assert not [c.query for c in cases if c.query.lower() in bank_prompts]
    parts = sorted((REPO_ROOT / "evals/datasets/parts").glob("*.queries.jsonl"))
    shipped = [json.loads(x) for x in DATASET.read_text().splitlines() if x.strip()]
    assert merge_query_parts(parts, kb) == shipped


def test_topic_labels_count_every_note_listing_the_topic(kb, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "q.jsonl"
    path.write_text(json.dumps({"id": "t1", "query": "nearest neighbours",
                                "relevant_topics": ["knn"]}) + "\n")
    (case,) = read_queries(path, kb)
    expected = {n.id for n in kb.notes.values() if "knn" in n.meta.topics}
    assert case.relevant == expected and "knn" in expected


@pytest.mark.parametrize(("line", "message"), [
    ('{"id": "a", "query": "x", "relevant_notes": ["no-such-note"]}', ":2: unknown note id"),
    ('{"id": "a", "relevant_notes": ["knn"]}', ":2: bad line"),
    ('not json', ":2: bad line"),
    ('{"id": "a", "query": "x", "relevant_topics": ["no-such-topic"]}', ":2: no relevant notes"),
])
def test_a_bad_line_is_one_error_naming_the_line(kb, tmp_path: Path, line: str,  # type: ignore[no-untyped-def]
                                                 message: str) -> None:
    path = tmp_path / "q.jsonl"
    path.write_text('{"id": "ok", "query": "k nearest neighbours", "relevant_notes": ["knn"]}\n'
                    + line + "\n")
    with pytest.raises(CoachError, match=message):
        read_queries(path, kb)


def test_metrics_count_the_first_relevant_note() -> None:
    ranks = [first_relevant(["a", "b"], frozenset({"a"})),
             first_relevant(["x", "y", "b"], frozenset({"b", "z"})),
             first_relevant(["x"], frozenset({"q"}))]
    assert ranks == [1, 3, None]
    assert recall_at(ranks, 1) == pytest.approx(1 / 3)
    assert recall_at(ranks, 5) == pytest.approx(2 / 3)
    assert mrr(ranks) == pytest.approx((1 + 1 / 3) / 3)


@pytest.fixture
def small_kb(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Three real notes with their banks, so the index builds in seconds."""
    src = REPO_ROOT / "knowledge"
    dst = tmp_path / "knowledge"
    for rel in SMALL_NOTES:
        (dst / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(src / f"{rel}.md", dst / f"{rel}.md")
        shutil.copy(src / f"{rel}.questions.yaml", dst / f"{rel}.questions.yaml")
    shutil.copy(src / "topics.yaml", dst / "topics.yaml")
    monkeypatch.setenv("COACH_KNOWLEDGE_DIR", str(dst))
    return dst


def test_command_reports_metrics_and_writes_ranked_predictions(small_kb: Path, tmp_path: Path,
                                                               embedder) -> None:  # type: ignore[no-untyped-def]
    from typer.testing import CliRunner

    from coach.cli import _register, app

    _register()
    queries = tmp_path / "q.jsonl"
    queries.write_text("\n".join(json.dumps(x) for x in [
        {"id": "q1", "query": "how does k nearest neighbours pick the number of neighbours",
         "relevant_notes": ["knn"]},
        {"id": "q2", "query": "why does an unpruned decision tree overfit",
         "relevant_notes": ["decision-trees"]},
        {"id": "q3", "query": "l1 versus l2 penalty on weights", "relevant_notes":
         ["regularization"]},
    ]) + "\n")
    preds = tmp_path / "out" / "preds.jsonl"
    result = CliRunner().invoke(app, ["eval", "retrieval", "--dataset", str(queries), "--json",
                                      "--predictions", str(preds)])
    assert result.exit_code == 0, result.output
    lines = [json.loads(x) for x in result.stdout.splitlines() if x.startswith("{")]
    by_name = {Path(x["dataset"]).name: x for x in lines}
    assert set(by_name) == {"bank", "q.jsonl"}
    assert by_name["q.jsonl"]["n"] == 3 and by_name["q.jsonl"]["recall@5"] == 1.0
    assert by_name["bank"]["n"] > 10 and by_name["bank"]["mrr"] > 0.8
    rows = [json.loads(x) for x in preds.read_text().splitlines()]
    mine = [r for r in rows if r["dataset"] == str(queries)]
    assert [r["id"] for r in mine] == ["q1", "q2", "q3"]
    assert all(r["ranked"][0] == r["relevant"][0] for r in mine)
    assert all(len(r["ranked"]) == 3 for r in mine)  # only three notes exist


def test_command_names_a_bad_dataset_in_one_line(small_kb: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "x", "query": "q", "relevant_notes": ["missing-note"]}\n')
    proc = run_cli("eval", "retrieval", "--dataset", str(bad))
    assert proc.returncode == 1
    errors = [x for x in proc.stderr.splitlines() if x.startswith("error:")]
    assert errors == [
        f"error: {bad}:1: unknown note id(s) ['missing-note'] — use ids from 'coach knowledge "
        "stats' or label by relevant_topics"]
    assert "Traceback" not in proc.stderr
