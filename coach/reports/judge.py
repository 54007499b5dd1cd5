"""The LLM judge's part in a grade, read back from `Grade.llm` for every report form.

`coach/providers/combine.py` writes the verdict: for a combined grade (`grader ==
"offline+llm"`) the judge's score, the offline score, the rule and the checked points; for a
fall-back (`grader == "offline (llm failed: REASON)"`) only the provider and the error. Old
or partial records yield None rather than a guess.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from coach.grading.models import COMBINED_GRADER, Grade, JudgeStatus
from coach.reports.model import Evidence, OverallJudge, PointJudge, QuestionJudge

FAILED = "offline (llm failed: "
UNAVAILABLE_RULE = "offline grade used"
STATUSES = ("covered", "partial", "missed", "contradicted")


def question_judge(grade: Grade) -> QuestionJudge | None:
    """How the LLM judge took part in this grade; None when there was no LLM judge."""
    llm = grade.llm
    if llm is None:
        return None
    provider = str(llm.get("provider") or "LLM")
    status = grade.judge_status
    if status is JudgeStatus.UNAVAILABLE:
        reason = grade.grader.removeprefix(FAILED).removesuffix(")") or "unknown error"
        return QuestionJudge(provider=provider, status="unavailable", offline_score=grade.score,
                             rule=UNAVAILABLE_RULE, reason=reason)
    if status is not JudgeStatus.COMBINED:
        return None
    try:
        offline = float(llm["offline_score"])  # type: ignore[arg-type]
        judged = float(llm["score"])  # type: ignore[arg-type]
    except (KeyError, TypeError, ValueError):
        return None
    dropped = llm.get("dropped", 0)
    return QuestionJudge(provider=provider, status="combined", offline_score=offline,
                         llm_score=judged, rule=str(llm.get("rule") or "combined"),
                         gap=str(llm.get("gap") or ""),
                         dropped=dropped if isinstance(dropped, int) else 0)


def point_judges(grade: Grade) -> dict[str, PointJudge]:
    """Key point (or STAR part) id -> the checked LLM verdict on it."""
    if grade.grader != COMBINED_GRADER or grade.llm is None:
        return {}
    points = grade.llm.get("points")
    out: dict[str, PointJudge] = {}
    for p in points if isinstance(points, list) else []:
        if not isinstance(p, dict) or p.get("status") not in STATUSES:
            continue
        out[str(p.get("id", ""))] = _point(p)
    return out


def _point(p: dict[str, Any]) -> PointJudge:
    quote = str(p.get("quote") or "")
    return PointJudge(
        verdict=p["status"], claimed=str(p.get("claimed") or "none"),
        quote=Evidence(text=quote, source=str(p.get("source") or "answer"))
        if quote and p["status"] != "missed" else None,
        dropped=str(p.get("dropped") or "") or None)


def overall_judge(pairs: Sequence[tuple[float, QuestionJudge | None]]) -> OverallJudge | None:
    """From (final score, judge) per graded answer; None when no answer had an LLM judge."""
    if not any(j is not None for _, j in pairs):
        return None
    offline = [j.offline_score if j is not None else score for score, j in pairs]
    judged = [j.llm_score for _, j in pairs if j is not None and j.llm_score is not None]
    return OverallJudge(
        combined=sum(1 for _, j in pairs if j is not None and j.status == "combined"),
        unavailable=sum(1 for _, j in pairs if j is not None and j.status == "unavailable"),
        offline_score=round(sum(offline) / len(offline), 2),
        llm_score=round(sum(judged) / len(judged), 2) if judged else None)
