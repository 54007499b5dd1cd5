"""Fit the verdict rule (`calibration.json` "verdict") on TRAINING data only.

    .venv/bin/python evals/fit_verdicts.py

Reads the train half of the key-point verdict set (`datasets/keypoint_verdicts.train.jsonl`)
and the model answers of the bank's train-side questions (`split_of` in fit_curve.py). For
every labelled key point it takes the coverage probability and the verifier's probabilities
of the grader's window, then:

- fits a logistic model "the point is stated" on [coverage, entail, contradict];
- picks the stated and partial cut-offs that best separate stated points from absent and
  contradicted ones (stated found minus others credited);
- picks the lowest contradiction cut-off at which at most 2% of stated points and at most 1%
  of model-answer points read as contradicted, and the misconception cut-off at which no
  train-side model answer is flagged.

Then prints the figures on the held-out (test) half. Refit the score curve afterwards
(`evals/fit_curve.py`), since credits change.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from coach.embeddings import shared_embedder  # noqa: E402
from coach.grading.conflicts import conflict_features  # noqa: E402
from coach.grading.features import CALIBRATION_FILE  # noqa: E402
from coach.grading.grader import Grader  # noqa: E402
from coach.grading.misconceptions import misconception_strength  # noqa: E402
from coach.grading.rubric import rubric_for  # noqa: E402
from coach.grading.verdicts import DEFAULT_RULE, VerdictRule, inputs  # noqa: E402
from coach.grading.verifier import Verdict3  # noqa: E402
from coach.knowledge.loader import load_knowledge  # noqa: E402
from coach.paths import knowledge_dir  # noqa: E402
from evals.fit_curve import split_of  # noqa: E402

DATA = ROOT / "evals" / "datasets" / "keypoint_verdicts"
GOLD = {"stated": 0, "contradicted": 1, "absent": 2}


def _x(point: str, p: float, v: Verdict3 | None, quote: Any) -> list[float]:
    v = v or Verdict3(0.0, 0.0, 1.0)
    return inputs(p, v, conflict_features(point, quote.text) if quote is not None
                  else (0.0, 0.0, 0.0))


def point_rows(grader: Grader, kb: Any, rows: list[dict[str, Any]]
               ) -> tuple[np.ndarray, np.ndarray]:
    X, y = [], []
    for row in rows:
        rubric = rubric_for(kb.question(row["question_id"]).question)
        for point, (p, v, q) in zip(rubric.points, grader.point_evidence(rubric, row["answer"]),
                                    strict=True):
            label = row["points"].get(point.id)
            if label is None:
                continue
            X.append(_x(point.text, p, v, q))
            y.append(GOLD[label["verdict"]])
    return np.array(X), np.array(y)


def model_answer_points(grader: Grader, kb: Any, side: str) -> np.ndarray:
    X = []
    for bq in kb.questions.values():
        q = bq.question
        if q.kind not in ("technical", "system_design") or split_of(q.id) != side:
            continue
        rubric = rubric_for(q)
        for point, (p, v, quote) in zip(rubric.points,
                                        grader.point_evidence(rubric, q.model_answer),
                                        strict=True):
            X.append(_x(point.text, p, v, quote))
    return np.array(X)


def misconception_readings(grader: Grader, kb: Any, texts: list[tuple[str, str]]
                           ) -> list[list[tuple[float, float]]]:
    """Per (question id, text): (claim coverage, verifier strength) of each misconception
    whose claim is stated more clearly than its correction."""
    out = []
    for qid, text in texts:
        rubric = rubric_for(kb.question(qid).question)
        found = []
        for pc, pr, vc, vr in grader.misconception_evidence(rubric, text):
            if vc is not None and vr is not None and pc > pr:
                found.append((pc, misconception_strength(vc, vr)))
        out.append(found)
    return out


def flagged(readings: list[list[tuple[float, float]]], cov: float, strength: float) -> int:
    return sum(any(pc >= cov and st >= strength for pc, st in r) for r in readings)


def read(path: Path) -> list[dict[str, Any]]:
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]


def rates(rule: VerdictRule, X: np.ndarray, y: np.ndarray) -> dict[str, float]:
    pred = []
    for x in X:
        v = Verdict3(float(x[2]), float(x[3]), max(0.0, 1 - float(x[2]) - float(x[3])))
        pred.append(rule.read(float(x[1]), v, (float(x[4]), float(x[5]), float(x[6]))).verdict)
    credited = np.array([v in ("stated", "partial") for v in pred])
    contra = np.array([v == "contradicted" for v in pred])
    unver = np.array([v == "unverified" for v in pred])

    def mean(mask: np.ndarray, of: np.ndarray) -> float:
        return float(of[mask].mean()) if mask.any() else float("nan")

    return {"stated_found": mean(y == 0, credited),
            "stated_unverified": mean(y == 0, unver),
            "contradicted_credited": mean(y == 1, credited),
            "contradicted_unverified": mean(y == 1, unver),
            "absent_credited": mean(y == 2, credited),
            "contradicted_caught": mean(y == 1, contra),
            "stated_as_contradicted": mean(y == 0, contra)}


def main() -> None:
    from sklearn.linear_model import LogisticRegression

    kb = load_knowledge(knowledge_dir())
    data = json.loads(CALIBRATION_FILE.read_text())
    grader = Grader(shared_embedder(), run_code=False)
    if grader.verifier is None:
        raise SystemExit("no verifier weights: run evals/train_verifier.py first")
    train = read(DATA.with_suffix(".train.jsonl"))
    X, y = point_rows(grader, kb, train)
    M = model_answer_points(grader, kb, "train")
    # Stated vs not: the verdict set's points plus every train-side model-answer point.
    Xs = np.vstack([X, M])
    stated_y = np.concatenate([(y == 0).astype(int), np.ones(len(M), dtype=int)])
    contra_y = np.concatenate([(y == 1).astype(int), np.zeros(len(M), dtype=int)])
    heads = {}
    for name, target in (("stated_weights", stated_y), ("contradict_weights", contra_y)):
        lr = LogisticRegression(C=1.0, max_iter=5000, class_weight="balanced"
                                if name == "contradict_weights" else None).fit(Xs[:, 1:], target)
        heads[name] = [round(float(lr.intercept_[0]), 4),
                       *(round(float(c), 4) for c in lr.coef_[0])]
    rule_data: dict[str, Any] = {**DEFAULT_RULE, **heads}

    best: tuple[float, float, float] | None = None
    for stated in np.arange(0.3, 0.91, 0.025):
        for lean in (2.0, 0.5, 0.4, 0.3, 0.2):
            rule = VerdictRule({**rule_data, "stated": float(stated), "lean_margin": lean,
                                "partial": float(max(0.2, stated - 0.15)), "contradict": 2.0})
            r = rates(rule, X, y)
            value = r["stated_found"] - r["absent_credited"] - 2 * r["contradicted_credited"]
            if best is None or value > best[0]:
                best = (value, float(stated), lean)
    assert best is not None
    rule_data["stated"] = round(best[1], 3)
    rule_data["partial"] = round(max(0.2, best[1] - 0.15), 3)
    rule_data["lean_margin"] = best[2]

    model_y = np.zeros(len(M), dtype=int)
    chosen = 2.0  # never, unless a cut-off below keeps stated points safe
    for cut in np.arange(0.2, 0.96, 0.025):
        rule = VerdictRule({**rule_data, "contradict": float(cut)})
        r = rates(rule, X, y)
        m = rates(rule, M, model_y)
        absent_as_contradicted = float(np.mean([
            rule.read(float(x[1]), Verdict3(float(x[2]), float(x[3]), 0.0),
                      (float(x[4]), float(x[5]), float(x[6]))).verdict == "contradicted"
            for x in X[y == 2]]))
        if r["stated_as_contradicted"] <= 0.02 and m["stated_as_contradicted"] <= 0.01 \
                and absent_as_contradicted <= 0.02:
            chosen = float(cut)
            break
    rule_data["contradict"] = round(chosen, 3)
    # Absent and contradicted points both earn nothing; an unverified one earns this share of
    # its probability: all of it (it is below the partial cut-off anyway). 0.8 and 1.0 gave the
    # same own-set Pearson; with 0.8, 13 of 658 model answers fell to 3.7-3.9.
    rule_data["unverified_credit"] = 1.0

    # Misconceptions through the verifier: the claim is on topic (coverage) and the window
    # states it and contradicts its correction (strength). The loosest pair of cut-offs that
    # flags no train-side model answer; most misconception answers of the train half caught.
    sound = misconception_readings(grader, kb, [
        (q.id, q.question.model_answer) for q in kb.questions.values()
        if q.question.misconceptions and split_of(q.id) == "train"])
    wrong = misconception_readings(grader, kb, [
        (r["question_id"], r["answer"]) for r in train if r.get("misconceptions")])
    choice = (-1, 0.0, 2.1, 0.9)
    for cov in np.arange(0.3, 0.91, 0.05):
        for strength in np.arange(-0.5, 1.51, 0.1):
            if flagged(sound, float(cov), float(strength)):
                continue
            caught = flagged(wrong, float(cov), float(strength))
            key = (caught, -float(cov) - float(strength))
            if key > (choice[0], -choice[1] - choice[2]):
                choice = (caught, float(cov), float(strength), caught / max(1, len(wrong)))
    rule_data["misconception_min_coverage"] = round(choice[1], 3)
    rule_data["misconception"] = round(choice[2], 3)
    caught = choice[3]
    rule_data["fitted_on"] = (f"{DATA.name}.train.jsonl ({len(y)} labelled points) and "
                              f"{len(M)} model-answer points of train-side questions")
    data["verdict"] = rule_data
    CALIBRATION_FILE.write_text(json.dumps(data, indent=1) + "\n")
    final = VerdictRule(rule_data)
    print("verdict rule:", json.dumps(rule_data))
    print("train:", {k: round(v, 3) for k, v in rates(final, X, y).items()},
          f"misconception answers caught {caught:.2f}")
    test = read(DATA.with_suffix(".test.jsonl"))
    Xt, yt = point_rows(grader, kb, test)
    print("test: ", {k: round(v, 3) for k, v in rates(final, Xt, yt).items()})


if __name__ == "__main__":
    main()
