"""The LLM judge's part in a grade, read from the typed `Grade.llm` for every view.

A record missing the judge's or the offline score (none the coach writes) yields no summary
rather than a guess; its checked points still show.
"""

from __future__ import annotations

from collections.abc import Sequence

from coach.grading.judge_verdict import JudgedPoint, JudgeStatus
from coach.grading.models import Grade
from coach.reports.model import Evidence, OverallJudge, PointJudge, QuestionJudge

UNAVAILABLE_RULE = "offline grade used"


def question_judge(grade: Grade) -> QuestionJudge | None:
    """How the LLM judge took part in this grade; None when there was no LLM judge."""
    llm = grade.llm
    if llm is None:
        return None
    provider = llm.provider or "LLM"
    if llm.status is JudgeStatus.UNAVAILABLE:
        return QuestionJudge(provider=provider, status="unavailable", offline_score=grade.score,
                             rule=UNAVAILABLE_RULE, reason=llm.reason or "unknown error")
    if llm.offline_score is None or llm.score is None:
        return None
    return QuestionJudge(provider=provider, status="combined", offline_score=llm.offline_score,
                         llm_score=llm.score, rule=llm.rule or "combined", gap=llm.gap,
                         dropped=llm.dropped)


def point_judges(grade: Grade) -> dict[str, PointJudge]:
    """Key point (or STAR part) id -> the checked LLM verdict on it."""
    if grade.llm is None or grade.llm.status is not JudgeStatus.COMBINED:
        return {}
    return {p.id: _point(p) for p in grade.llm.points}


def _point(p: JudgedPoint) -> PointJudge:
    return PointJudge(
        verdict=p.status, claimed=p.claimed or "none",
        quote=Evidence(text=p.quote, source=p.source or "answer")
        if p.quote and p.status != "missed" else None,
        dropped=p.dropped or None)


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
