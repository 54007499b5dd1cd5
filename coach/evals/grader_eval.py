"""`coach eval grader`: agreement of the grader with human scores on graded-answer JSONL."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from coach.errors import CoachError
from coach.evals import metrics
from coach.evals.verdict_metrics import THREE_WAY, three_way, verdict_metrics
from coach.grading.grader import Grader
from coach.grading.models import Grade
from coach.grading.rubric import Rubric, adhoc_rubric, rubric_for
from coach.knowledge.loader import KnowledgeBase


@dataclass(frozen=True)
class Row:
    id: str
    answer: str
    score: float
    max_score: float
    rubric: Rubric
    label: str | None
    points: dict[str, Any] | None = None
    """Per key point: {"verdict": stated|contradicted|absent, "span": exact words or None}."""
    misconceptions: tuple[str, ...] = ()
    """The listed misconception claims the answer states (verdict datasets)."""


def read_dataset(path: Path, kb: KnowledgeBase | None) -> list[Row]:
    """Rows of a graded-answer file; a broken line is one clear error with its line number."""
    if not path.exists():
        raise CoachError(f"{path}: no such dataset — check the path")
    rows: list[Row] = []
    rubrics: dict[str, Rubric] = {}
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            answer = str(item["answer"])
            score, top = float(item["score"]), float(item.get("max_score", 5))
            if "question_id" in item and "reference_answer" not in item:
                if kb is None:
                    raise KeyError("knowledge base")
                qid = item["question_id"]
                if qid not in rubrics:
                    rubrics[qid] = rubric_for(kb.question(qid).question)
                rubric = rubrics[qid]
            else:
                key = f"{item.get('question_id', '')}|{item['question']}|{item['reference_answer']}"
                if key not in rubrics:
                    rubrics[key] = adhoc_rubric(
                        item["question"], item["reference_answer"],
                        references=item.get("reference_answers"), key_points=item.get("rubric"),
                        question_id=str(item.get("question_id", "adhoc")))
                rubric = rubrics[key]
        except (json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
            raise CoachError(f"{path}:{n}: bad row ({type(exc).__name__}: {exc}) — each line "
                             "needs id, answer, score, max_score and question_id or question "
                             "with reference_answer") from None
        points = item.get("points") if isinstance(item.get("points"), dict) else None
        rows.append(Row(str(item.get("id", n)), answer, score, top, rubric, item.get("label"),
                        points, tuple(item.get("misconceptions") or ())))
    if not rows:
        raise CoachError(f"{path}: the dataset is empty")
    return rows


def evaluate(rows: list[Row], grader: Grader, *, name: str = "",
             progress: Callable[[int, int], None] | None = None,
             predict: Callable[[Row], float] | None = None,
             ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Metrics for one dataset and the per-row predictions (scaled to each row's max)."""
    start = time.perf_counter()
    if predict is None:
        grader.warm_batch([(r.rubric, r.answer) for r in rows])
    preds: list[float] = []
    grades: list[Grade | None] = []
    for i, row in enumerate(rows):
        if predict is not None:
            p = predict(row)
            grades.append(None)
        else:
            g = grader.grade(row.rubric, row.answer)
            grades.append(g)
            p = g.score / 5.0 * row.max_score
        preds.append(p)
        if progress:
            progress(i + 1, len(rows))
    seconds = time.perf_counter() - start
    gold5 = [r.score / r.max_score * 5 for r in rows]
    pred5 = [p / r.max_score * 5 for p, r in zip(preds, rows, strict=True)]
    mean = sum(gold5) / len(gold5)
    result: dict[str, Any] = {
        "dataset": name,
        "n": len(rows),
        "pearson": metrics.pearson(pred5, gold5),
        "spearman": metrics.spearman(pred5, gold5),
        "qwk": metrics.qwk(pred5, gold5),
        "rmse": metrics.rmse(pred5, gold5),
        "mae": metrics.mae(pred5, gold5),
        "baseline_rmse": metrics.rmse([mean] * len(gold5), gold5),
        "seconds": round(seconds, 3),
        "answers_per_second": round(len(rows) / seconds, 1) if seconds else None,
    }
    if set(r.score / r.max_score for r in rows) <= {0.0, 1.0}:
        result["auc"] = metrics.auc(pred5, [int(r.score >= r.max_score) for r in rows])
    if {r.label for r in rows} <= set(THREE_WAY) and any(r.label == "contradictory"
                                                          for r in rows):
        result.update(three_way(rows, pred5, grades))
    if any(r.points for r in rows) and all(g is not None for g in grades):
        result["verdicts"] = verdict_metrics(rows, [g for g in grades if g is not None])
    for key, value in list(result.items()):
        if isinstance(value, float):
            result[key] = round(value, 4)
    predictions = [{"id": r.id, "predicted": round(p, 4)} for r, p in zip(rows, preds,
                                                                         strict=True)]
    return result, predictions
