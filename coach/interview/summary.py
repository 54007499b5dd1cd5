"""A session summary built only from graded facts."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from coach.grading.models import level_for
from coach.interview.records import Session, Turn
from coach.knowledge.loader import KnowledgeBase


def session_summary(record: Session, kb: KnowledgeBase) -> dict[str, Any]:
    graded = [t for t in record.turns if t.score is not None and not t.skipped]
    by_topic: dict[str, list[float]] = defaultdict(list)
    missed: list[tuple[float, str, str]] = []
    for t in graded:
        for topic in t.topics:
            by_topic[topic].append(float(t.score or 0))
        for kp in t.grade.key_points if t.grade is not None else []:
            if kp.status != "covered":
                missed.append((kp.weight, t.question_id, kp.text))
    overall = round(sum(float(t.score or 0) for t in graded) / len(graded), 1) if graded else 0.0
    topics = {k: round(sum(v) / len(v), 1) for k, v in sorted(by_topic.items())}
    strengths = [k for k, v in sorted(topics.items(), key=lambda kv: -kv[1]) if v >= 3.5][:5]
    weaknesses = [k for k, v in sorted(topics.items(), key=lambda kv: kv[1]) if v < 3.0][:5]
    study = []
    for t in graded:
        if (t.score or 0) < 3.5 and t.question_id in kb.questions:
            note = kb.questions[t.question_id].note_id
            if note not in study:
                study.append(note)
    return {
        "questions": len(record.turns),
        "answered": len(graded),
        "skipped": sum(1 for t in record.turns if t.skipped),
        "score": overall,
        "level": level_for(overall),
        "topics": topics,
        "strengths": strengths,
        "weaknesses": weaknesses,
        "study_notes": study,
        "top_missed": [text for _, _, text in sorted(missed, key=lambda m: -m[0])[:5]],
        "judge": _judge(graded),
    }


def _judge(graded: list[Turn]) -> dict[str, Any] | None:
    """Whether the session score combines the LLM judge (None when no answer had one)."""
    from coach.reports.judge import overall_judge, question_judge

    pairs = [(float(t.score or 0), question_judge(t.grade))
             for t in graded if t.grade is not None]
    found = overall_judge(pairs)
    return found.model_dump() if found is not None else None
