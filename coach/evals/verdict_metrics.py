"""Metrics for datasets that label every key point, and for 3-way labelled answers.

Verdict datasets (`points`: id -> {verdict: stated|contradicted|absent, span}) measure what a
grade's ✓ means: how often a contradicted or absent point is still credited, how often a
stated point is found, whether the quoted evidence is where the point is stated, and whether
listed misconceptions are flagged. 3-way data (correct / contradictory / incorrect, as in
SemEval-2013) adds correct-vs-contradictory AUC and a 3-way macro-F1.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from coach.evals import metrics
from coach.grading.models import Grade

if TYPE_CHECKING:
    from coach.evals.grader_eval import Row

THREE_WAY = ("correct", "contradictory", "incorrect")
GOLD = ("stated", "contradicted", "absent")
CREDITED = ("stated", "partial")


def _share(n: int, d: int) -> float | None:
    return round(n / d, 4) if d else None


def _f1(tp: int, fp: int, fn: int) -> dict[str, float | None]:
    p = _share(tp, tp + fp)
    r = _share(tp, tp + fn)
    f = round(2 * p * r / (p + r), 4) if p and r else (0.0 if p is not None
                                                         and r is not None else None)
    return {"precision": p, "recall": r, "f1": f}


def verdict_metrics(rows: Sequence[Row], grades: Sequence[Grade]) -> dict[str, Any]:
    """Per-verdict precision/recall and the issue's per-point rates over labelled points."""
    pairs: list[tuple[str, str]] = []  # (gold, predicted)
    overlap_hits = overlap_n = 0
    mis_rows = mis_flagged = 0
    for row, grade in zip(rows, grades, strict=True):
        if not row.points:
            continue
        by_id = {k.id: k for k in grade.key_points}
        for pid, label in row.points.items():
            k = by_id.get(pid)
            if k is None or label.get("verdict") not in GOLD:
                continue
            pairs.append((label["verdict"], k.verdict))
            span = label.get("span")
            if label["verdict"] == "stated" and k.verdict in CREDITED and span and \
                    k.evidence is not None and k.evidence.source == "answer":
                start = row.answer.find(span)
                if start >= 0:
                    overlap_n += 1
                    end = start + len(span)
                    overlap_hits += int(k.evidence.start < end and start < k.evidence.end)
        if row.misconceptions:
            mis_rows += 1
            mis_flagged += int(bool(grade.misconceptions))
    out: dict[str, Any] = {"points": len(pairs)}
    for gold in GOLD:
        got = [p for g, p in pairs if g == gold]
        out[f"{gold}_n"] = len(got)
        out[f"{gold}_credited"] = _share(sum(p in CREDITED for p in got), len(got))
        out[f"{gold}_as_contradicted"] = _share(sum(p == "contradicted" for p in got),
                                                len(got))
        out[f"{gold}_as_unverified"] = _share(sum(p == "unverified" for p in got), len(got))
    # The names: stated points found, contradicted/absent points credited.
    out["stated_found"] = out["stated_credited"]
    groups = {"stated": CREDITED, "contradicted": ("contradicted",),
              "absent": ("absent", "unverified")}
    for gold, predicted in groups.items():
        tp = sum(1 for g, p in pairs if g == gold and p in predicted)
        fp = sum(1 for g, p in pairs if g != gold and p in predicted)
        fn = sum(1 for g, p in pairs if g == gold and p not in predicted)
        out[gold] = _f1(tp, fp, fn)
    out["evidence_overlap"] = _share(overlap_hits, overlap_n)
    out["misconception_answers"] = mis_rows
    out["misconception_flagged"] = _share(mis_flagged, mis_rows)
    return out


def three_way(rows: Sequence[Row], pred5: Sequence[float],
              grades: Sequence[Grade | None]) -> dict[str, Any]:
    """Correct-vs-contradictory AUC and a 3-way macro-F1 (contradictory when the grade found
    a contradiction or a misconception; else correct at 2.5/5 or more)."""
    by = {lab: [p for p, r in zip(pred5, rows, strict=True) if r.label == lab]
          for lab in THREE_WAY}
    out: dict[str, Any] = {
        "auc_correct_vs_contradictory": metrics.auc(
            by["correct"] + by["contradictory"],
            [1] * len(by["correct"]) + [0] * len(by["contradictory"])),
        "auc_contradictory_below_incorrect": metrics.auc(
            by["incorrect"] + by["contradictory"],
            [1] * len(by["incorrect"]) + [0] * len(by["contradictory"])),
        "mean_by_label": {lab: round(sum(v) / len(v), 3) if v else None
                          for lab, v in by.items()},
    }
    if all(g is not None for g in grades):
        predicted = []
        for p, g in zip(pred5, grades, strict=True):
            assert g is not None
            wrong = bool(g.misconceptions) or any(k.verdict == "contradicted"
                                                  for k in g.key_points)
            predicted.append("contradictory" if wrong else "correct" if p >= 2.5
                             else "incorrect")
        f1s = []
        for lab in THREE_WAY:
            tp = sum(1 for q, r in zip(predicted, rows, strict=True)
                     if q == lab and r.label == lab)
            fp = sum(1 for q, r in zip(predicted, rows, strict=True)
                     if q == lab and r.label != lab)
            fn = sum(1 for q, r in zip(predicted, rows, strict=True)
                     if q != lab and r.label == lab)
            f1s.append(_f1(tp, fp, fn)["f1"] or 0.0)
        out["macro_f1_3way"] = round(sum(f1s) / len(f1s), 4)
    return out
