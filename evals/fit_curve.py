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
    # Technical answers only: no story is checked against the behavioral questions.
    grader = Grader(shared_embedder(), run_code=False, behavioral_contrast=())
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


MIN_CLAIM_GRID = (0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95)
MARGIN_GRID = (0.1, 0.2, 0.3, 0.4)
SOUND_LABELS = ("excellent", "good", "partial")


def fit_misconception_rule(rows: list[Any]) -> None:
    """Choose how clearly a misconception must be stated before it is reported.

    A claim is reported when its coverage reaches `min_claim` and beats its correction's by
    `margin`. Sound texts: training answers the raters labelled excellent, good or partial
    (none holds a misconception) and the bank's model answers of training-split questions,
    which often raise a misconception only to refute it. The rule flags at most 1.5% of the
    sound graded answers and, among those, maximises misconception answers caught minus model
    answers and sound answers flagged; ties go to the stricter rule (higher cut-off, then
    wider margin).
    """
    from coach.embeddings import shared_embedder
    from coach.grading.features import CALIBRATION_FILE, Calibration
    from coach.grading.grader import Grader
    from coach.grading.rubric import Rubric, rubric_for
    from coach.knowledge.loader import load_knowledge
    from coach.paths import knowledge_dir

    data = json.loads(CALIBRATION_FILE.read_text())
    grader = Grader(shared_embedder(), Calibration(data), run_code=False,
                    behavioral_contrast=())  # technical answers only

    def claims(rubric: Rubric, text: str) -> list[tuple[float, float]]:
        """(claim coverage, correction coverage) of every misconception the answer may make."""
        ans = grader.read_answer(rubric, text)
        found = [grader.claim_and_correction(ans, m, rubric, min(MIN_CLAIM_GRID))
                 for m in rubric.misconceptions]
        return [(c, f) for c, f, _ in filter(None, found)]

    kb = load_knowledge(knowledge_dir())
    sound = [claims(r.rubric, r.answer) for r in rows if r.label in SOUND_LABELS]
    wrong = [claims(r.rubric, r.answer) for r in rows if r.label == "misconception"]
    model = [claims(rubric_for(bq.question), bq.question.model_answer)
             for bq in sorted(kb.questions.values(), key=lambda bq: bq.id)
             if bq.kind in ("technical", "system_design") and bq.question.misconceptions
             and split_of(bq.id) == "train"]

    def flagged(texts: list[list[tuple[float, float]]], min_claim: float, margin: float) -> int:
        return sum(any(c >= min_claim and c > f + margin for c, f in t) for t in texts)

    allowed = max(1, round(0.015 * len(sound)))

    best: tuple[int, float, float, int, int] | None = None
    for min_claim in sorted(MIN_CLAIM_GRID, reverse=True):
        for margin in sorted(MARGIN_GRID, reverse=True):
            false_hits = flagged(sound, min_claim, margin)
            caught, alarms = flagged(wrong, min_claim, margin), flagged(model, min_claim, margin)
            print(f"  min_claim={min_claim} margin={margin}: sound answers flagged {false_hits}, "
                  f"model answers flagged {alarms}/{len(model)}, misconception answers caught "
                  f"{caught}/{len(wrong)}")
            # A sound answer flagged costs as much as a catch gains; at most 1.5% of them.
            value = caught - alarms - false_hits
            if false_hits <= allowed and (best is None or value > best[0]):
                best = (value, min_claim, margin, caught, alarms)
    assert best is not None, "every rule flags too many sound training answers"
    _, min_claim, margin, caught, alarms = best
    data["misconception"] = {
        "min_claim": min_claim, "margin": margin,
        "fitted_on": f"{OWN_TRAIN.name} ({len(rows)} rows) and {len(model)} bank model answers "
                     f"of training-split questions: at most {allowed} of {len(sound)} answers "
                     f"labelled {'/'.join(SOUND_LABELS)} flagged; catches {caught} of "
                     f"{len(wrong)} "
                     f"misconception answers, flags {alarms} model answers"}
    CALIBRATION_FILE.write_text(json.dumps(data, indent=1) + "\n")
    print(f"misconception rule: {data['misconception']}")


Z_GRID = tuple(np.round(np.arange(-1.0, 1.01, 0.25), 2))
OFF_QUESTION_MARGIN_GRID = tuple(np.round(np.arange(-5.0, -1.99, 0.25), 2))


def fit_behavioral_off_question() -> None:
    """Choose the cut-offs that flag a behavioral story told for a different question.

    On-topic stories: every bank behavioral model answer and its first half against its own
    question, and the training split's behavioral answers scored 2.5 or more. Off-topic
    stories: each model answer against the questions of other notes. The rule keeps every
    on-topic story unflagged and flags the most off-topic ones; among ties, the strictest
    (lowest) cut-offs, for a margin from the on-topic stories.
    """
    from coach.embeddings import shared_embedder
    from coach.evals.grader_eval import read_dataset
    from coach.grading.features import CALIBRATION_FILE
    from coach.grading.grader import Grader
    from coach.grading.relevance import behavioral_rubrics
    from coach.grading.rubric import rubric_for
    from coach.grading.text import split_units
    from coach.knowledge.loader import load_knowledge
    from coach.paths import knowledge_dir

    kb = load_knowledge(knowledge_dir())
    grader = Grader(shared_embedder(), run_code=False,
                    behavioral_contrast=behavioral_rubrics(kb))
    bank = sorted((bq for bq in kb.questions.values() if bq.kind == "behavioral"),
                  key=lambda bq: bq.id)

    def fit(rubric: Any, text: str) -> tuple[float, float]:
        ans = grader.read_answer(rubric, text)
        assert ans.prepared is not None
        got = grader.story_relevance.fit(rubric, ans.prepared.vectors, text)
        assert got is not None
        return got.z, got.margin

    on, off = [], []
    for bq in bank:
        answer = bq.question.model_answer
        units = [u.text for u in split_units(answer)]
        on.append(fit(rubric_for(bq.question), answer))
        on.append(fit(rubric_for(bq.question), " ".join(units[: max(1, len(units) // 2)])))
        off += [fit(rubric_for(other.question), answer) for other in bank
                if other.note_id != bq.note_id]
    on += [fit(r.rubric, r.answer) for r in read_dataset(OWN_TRAIN, kb)
           if r.rubric.kind == "behavioral" and r.score / r.max_score >= 0.5]
    on_a, off_a = np.array(on), np.array(off)
    best: tuple[float, float, float] | None = None
    for max_z in Z_GRID:
        for max_margin in OFF_QUESTION_MARGIN_GRID:
            if ((on_a[:, 0] < max_z) & (on_a[:, 1] < max_margin)).any():
                continue
            recall = float(((off_a[:, 0] < max_z) & (off_a[:, 1] < max_margin)).mean())
            if best is None or recall > best[0] + 0.02:
                best = (recall, float(max_z), float(max_margin))
    assert best is not None
    data = json.loads(CALIBRATION_FILE.read_text())
    data["behavioral_off_question"] = {
        "max_z": best[1], "max_margin": best[2],
        "fitted_on": f"{len(bank)} bank behavioral model answers and {OWN_TRAIN.name}: "
                     f"{len(on)} on-topic stories none flagged, {best[0]:.3f} of {len(off)} "
                     "stories against other notes' questions flagged"}
    CALIBRATION_FILE.write_text(json.dumps(data, indent=1) + "\n")
    print(f"behavioral off-question rule: {data['behavioral_off_question']}")


if __name__ == "__main__":
    import sys

    if sys.argv[1:] == ["behavioral"]:
        fit_behavioral_off_question()
    elif sys.argv[1:] == ["misconception"]:
        from coach.evals.grader_eval import read_dataset
        from coach.knowledge.loader import load_knowledge
        from coach.paths import knowledge_dir

        fit_misconception_rule([
            r for r in read_dataset(OWN_TRAIN, load_knowledge(knowledge_dir()))
            if r.rubric.kind in ("technical", "system_design", "coding")])
    else:
        fit_curve()
        fit_behavioral_off_question()
