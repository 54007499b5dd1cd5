"""Fit the score curve on the TRAINING questions of the project's own graded answers.

The curve maps weighted key-point coverage (0..1) to the 0..1 score scale. Questions are
split by a fixed hash of their id: `split_of(qid) == "train"` rows fit the curve, the rest
are held out and are what `coach eval grader` reports on (see evals/README.md). The
misconception rule (how clearly a claim must be stated, and by how much more clearly than
its correction) is chosen on the same training rows, after the curve.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
OWN = ROOT / "evals/datasets/interview_answers.jsonl"
OWN_TRAIN = ROOT / "evals/datasets/interview_answers.train.jsonl"
OWN_TEST = ROOT / "evals/datasets/interview_answers.test.jsonl"


def split_of(question_id: str) -> str:
    return "train" if int(hashlib.sha1(question_id.encode()).hexdigest(), 16) % 2 == 0 else "test"


def write_splits() -> None:
    rows = [json.loads(x) for x in OWN.read_text(encoding="utf-8").splitlines() if x.strip()]
    for name, path in (("train", OWN_TRAIN), ("test", OWN_TEST)):
        path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows
                                if split_of(r["question_id"]) == name), encoding="utf-8")


def _isotonic(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    order = np.argsort(x)
    xs, ys = x[order], y[order].astype(float)
    blocks = [[v, 1.0, xv, xv] for v, xv in zip(ys, xs, strict=True)]
    merged: list[list[float]] = []
    for b in blocks:
        merged.append(b)
        while len(merged) > 1 and merged[-2][0] > merged[-1][0]:
            v2, w2, _, hi2 = merged.pop()
            v1, w1, lo1, _ = merged.pop()
            merged.append([(v1 * w1 + v2 * w2) / (w1 + w2), w1 + w2, lo1, hi2])
    kx = np.array([(b[2] + b[3]) / 2 for b in merged])
    ky = np.array([b[0] for b in merged])
    return kx, ky


def fit_curve() -> None:
    if not OWN.exists():
        print("score curve: no own dataset yet (identity)")
        return
    write_splits()
    from coach.embeddings import shared_embedder
    from coach.evals.grader_eval import read_dataset
    from coach.grading.features import CALIBRATION_FILE
    from coach.grading.grader import Grader
    from coach.knowledge.loader import load_knowledge
    from coach.paths import knowledge_dir

    data = json.loads(CALIBRATION_FILE.read_text())
    data["score_curve"] = [[0.0, 0.0], [1.0, 1.0]]
    CALIBRATION_FILE.write_text(json.dumps(data, indent=1) + "\n")
    grader = Grader(shared_embedder(), run_code=False)
    rows = [r for r in read_dataset(OWN_TRAIN, load_knowledge(knowledge_dir()))
            if r.rubric.kind in ("technical", "system_design", "coding")]
    xs, ys = [], []
    for r in rows:
        g = grader.grade(r.rubric, r.answer)
        if g.flags and set(g.flags) & {"empty", "no-answer", "gibberish", "keyword-list",
                                       "off-topic", "repeats-question"}:
            continue  # caps handle these; the curve models real attempts
        xs.append(g.coverage)
        ys.append(r.score / r.max_score)
    kx, ky = _isotonic(np.array(xs), np.array(ys))
    grid = np.linspace(0, 1, 11)
    curve = np.interp(grid, kx, ky)
    curve = np.maximum.accumulate(curve)
    curve[0] = 0.0
    data["score_curve"] = [[round(float(a), 3), round(float(b), 4)] for a, b in zip(grid, curve,
                                                                                   strict=True)]
    data["score_curve_fitted_on"] = f"{OWN_TRAIN.name} ({len(xs)} non-degenerate rows)"
    CALIBRATION_FILE.write_text(json.dumps(data, indent=1) + "\n")
    print(f"score curve fitted on {len(xs)} training rows: {data['score_curve']}")
    fit_misconception_rule(rows)


MIN_CLAIM_GRID = (0.6, 0.7, 0.8, 0.9)
MARGIN_GRID = (0.1, 0.2, 0.3)


def fit_misconception_rule(rows: list[Any]) -> None:
    """Choose the misconception cut-offs that best agree with the training scores.

    Pearson between the grade (code run as in `coach eval grader`) and the human score over
    the training rows, for each pair on a small grid; ties go to the looser rule, which
    reports more misconceptions.
    """
    from coach.embeddings import shared_embedder
    from coach.evals.metrics import pearson
    from coach.grading.features import CALIBRATION_FILE, Calibration
    from coach.grading.grader import Grader

    data = json.loads(CALIBRATION_FILE.read_text())
    grader = Grader(shared_embedder(), Calibration(data))
    runs: dict[tuple[str, str], Any] = {}
    run_code = grader._code

    def code_once(rubric: Any, text: str) -> Any:  # the rule does not change test results
        key = (rubric.question_id, text)
        if key not in runs:
            runs[key] = run_code(rubric, text)
        return runs[key]

    grader._code = code_once  # type: ignore[method-assign]
    gold = [r.score / r.max_score * 5 for r in rows]
    best: tuple[float, float, float] | None = None
    for min_claim in MIN_CLAIM_GRID:
        for margin in MARGIN_GRID:
            grader.calibration.data["misconception"] = {"min_claim": min_claim, "margin": margin}
            r = pearson([grader.grade(row.rubric, row.answer).score for row in rows], gold)
            print(f"  misconception rule min_claim={min_claim} margin={margin}: "
                  f"train Pearson {r:.4f}")
            if best is None or r > best[0] + 1e-9:
                best = (r, min_claim, margin)
    assert best is not None
    data["misconception"] = {
        "min_claim": best[1], "margin": best[2],
        "fitted_on": f"{OWN_TRAIN.name} ({len(rows)} rows, train Pearson {best[0]:.4f})"}
    CALIBRATION_FILE.write_text(json.dumps(data, indent=1) + "\n")
    print(f"misconception rule: {data['misconception']}")


if __name__ == "__main__":
    fit_curve()
