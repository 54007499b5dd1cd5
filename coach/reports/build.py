"""Turn a stored session into a Report, using only what the grader concluded."""

from __future__ import annotations

import os
from collections import defaultdict
from pathlib import Path
from typing import Any

from coach.grading.models import Grade, level_for
from coach.knowledge.loader import KnowledgeBase
from coach.reports.judge import overall_judge
from coach.reports.model import (
    FollowupReport,
    NextStep,
    Overall,
    QuestionReport,
    Report,
    SessionInfo,
    StudyLink,
    TopicReport,
    TurnStatus,
)
from coach.reports.parts import grade_parts
from coach.storage.db import now
from coach.storage.records import SessionRecord, TurnRecord

STRONG = 3.5
WEAK = 3.0
MISSING_PROMPT = "(this question is no longer in the knowledge base)"


def build_report(record: SessionRecord[Grade], kb: KnowledgeBase, *,
                 review_due: dict[str, str] | None = None,
                 link_base: Path | None = None) -> Report:
    """The report for one session.

    Args:
        review_due: question id -> when its spaced review is due, from the review state.
        link_base: the folder the report is written to; note links are made relative to it
            (absolute file paths when None).
    """
    review_due = review_due or {}
    questions = [_question(t, kb, review_due, link_base) for t in record.turns]
    graded = [q for q in questions if q.status == "graded" and q.score is not None]
    overall = (round(sum(q.score or 0.0 for q in graded) / len(graded), 2) if graded else None)
    topics = _topics(questions, kb)
    return Report(
        generated_at=now(),
        session=SessionInfo(
            id=record.id, created_at=record.created_at, finished_at=record.finished_at,
            status=record.status, role=record.role, mode=record.mode,
            planned=int(record.config.get("questions", len(record.turns))),
            answered=len(graded), skipped=sum(1 for q in questions if q.status == "skipped"),
        ),
        overall=Overall(score=overall, level=level_for(overall) if overall is not None else None,
                        judge=overall_judge([(q.score or 0.0, q.judge) for q in graded])),
        questions=questions,
        topics=topics,
        strengths=[t.topic for t in sorted(topics, key=lambda t: -t.score) if t.score >= STRONG],
        weaknesses=[t.topic for t in sorted(topics, key=lambda t: t.score) if t.score < WEAK],
        next_steps=next_steps(questions, topics, record.role),
    )


def _status(turn: TurnRecord[Grade]) -> TurnStatus:
    if turn.skipped:
        return "skipped"
    if turn.grade is None or turn.score is None:
        return "unanswered"
    return "graded"


def _href(path: Path, link_base: Path | None) -> str:
    if link_base is None:
        return path.resolve().as_uri()
    return Path(os.path.relpath(path.resolve(), link_base.resolve())).as_posix()


def study_links(note_id: str, kb: KnowledgeBase, link_base: Path | None,
                related: int = 2) -> list[StudyLink]:
    """The question's note first, then a few of the notes it names as related."""
    note = kb.notes.get(note_id)
    if note is None:
        return []
    ids = [note_id, *[r for r in note.meta.related if r in kb.notes][:related]]
    links = []
    for nid in ids:
        n = kb.notes[nid]
        links.append(StudyLink(note_id=nid, title=n.title, path=n.path,
                               href=_href(kb.root.parent / n.path, link_base)))
    return links


def _question(turn: TurnRecord[Grade], kb: KnowledgeBase, review_due: dict[str, str],
              link_base: Path | None) -> QuestionReport:
    bank = kb.questions.get(turn.question_id)
    status = _status(turn)
    grade = turn.grade if status == "graded" else None
    followups = [FollowupReport(kind=f.kind, target=f.target, text=f.text, answer=f.answer)
                 for f in turn.followups]
    report = QuestionReport(
        position=turn.position + 1, question_id=turn.question_id,
        kind=bank.kind if bank else (grade.kind if grade else "technical"),
        track=bank.track if bank else turn.track,
        difficulty=bank.question.difficulty if bank else "",
        topics=list(turn.topics or (bank.topics if bank else ())),
        prompt=bank.question.prompt if bank else MISSING_PROMPT,
        status=status, answer=turn.answer, hints_used=turn.hints_used, followups=followups,
        score=grade.score if grade else None, level=grade.level if grade else None,
        key_points=[], misconceptions=[], flags=[], feedback=[],
        model_answer=bank.question.model_answer if bank else "",
        study=study_links(bank.note_id, kb, link_base) if bank else [],
        review_due=review_due.get(turn.question_id),
    )
    if grade is not None:
        _fill_grade(report, grade)
    return report


def _fill_grade(report: QuestionReport, grade: Grade) -> None:
    parts = grade_parts(grade)
    report.judge = parts.judge
    report.key_points = parts.key_points
    report.misconceptions = parts.misconceptions
    report.flags = parts.flags
    report.feedback = parts.feedback
    report.code = parts.code
    report.star = parts.star


def _topics(questions: list[QuestionReport], kb: KnowledgeBase) -> list[TopicReport]:
    scores: dict[str, list[float]] = defaultdict(list)
    for q in questions:
        if q.status == "graded" and q.score is not None:
            for topic in q.topics:
                scores[topic].append(q.score)
    out = []
    for topic, values in sorted(scores.items()):
        mean = round(sum(values) / len(values), 2)
        out.append(TopicReport(topic=topic, description=kb.topics.get(topic, ""),
                               questions=len(values), score=mean, level=level_for(mean)))
    return out


def _short(text: str, limit: int = 90) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0]
    return cut.rstrip(",;:") + " …"


def next_steps(questions: list[QuestionReport], topics: list[TopicReport],
               role: str) -> list[NextStep]:
    """Concrete things to do next, most useful first, built from the graded facts."""
    steps: list[NextStep] = []
    graded = [q for q in questions if q.status == "graded" and q.score is not None]
    for q in sorted(graded, key=lambda q: q.score or 0.0):
        weak = (q.score or 0.0) < STRONG
        missed = [k for k in q.key_points if k.status != "covered"]
        note = q.study[0] if q.study else None
        if weak and note is not None and missed:
            worst = sorted(missed, key=lambda k: -k.weight)[:3]
            points = "; ".join(_short(k.text, 100) for k in worst)
            steps.append(NextStep(kind="study", note_id=note.note_id,
                                  text=f"Reread “{note.title}” ({note.path}) for: {points}"))
        elif weak and note is not None:
            steps.append(NextStep(kind="study", note_id=note.note_id,
                                  text=f"Reread “{note.title}” ({note.path}) and compare your "
                                       f"answer to {q.question_id} with its model answer"))
        if q.code is not None and q.code.passed < q.code.total:
            failing = [t.name for t in q.code.tests if not t.passed][:3]
            steps.append(NextStep(kind="fix-code", question_id=q.question_id,
                                  command=f"coach questions show {q.question_id} --answer",
                                  text=f"Make {q.question_id} pass its tests ({q.code.passed}/"
                                       f"{q.code.total} now; failing: {', '.join(failing)})"))
        if q.star is not None:
            absent = [p.part for p in q.star.parts if not p.present]
            extra = [] if q.star.quantified else ["a measured result"]
            if q.star.ownership in ("we", "none"):
                extra.append("what you did yourself (“I”)")
            if absent or extra:
                steps.append(NextStep(kind="story", question_id=q.question_id,
                                      text=f"Rework the story for {q.question_id}: add "
                                           + ", ".join(absent + extra)))
        if weak:
            due = f"; it is due for review on {q.review_due[:10]}" if q.review_due else ""
            steps.append(NextStep(kind="redo", question_id=q.question_id,
                                  text=f"Answer {q.question_id} again once you have studied "
                                       f"(scored {q.score:.1f}/5){due}",
                                  command="coach review"))
    for q in graded:
        for m in q.misconceptions:
            steps.append(NextStep(kind="unlearn", question_id=q.question_id,
                                  text=f"Unlearn “{_short(m.claim)}” — {m.correction}"))
    tracks = {t for q in graded for t in [q.track] if (q.score or 0.0) < WEAK}
    for track in sorted(tracks):
        steps.append(NextStep(kind="practise", command=f"coach practice --plain --track {track}"
                              f" --role {role}", text=f"Practise more {track} questions"))
    if graded and all((q.score or 0.0) >= STRONG for q in graded):
        steps.append(NextStep(kind="mock", command=f"coach practice --mode mock --role {role}",
                              text="Every answer was strong: take a timed mock interview next"))
    if not graded:
        steps.append(NextStep(kind="practise", command=f"coach practice --role {role}",
                              text="Nothing was graded in this session: answer a few questions "
                                   "to get feedback"))
    return _dedupe(steps)


def _dedupe(steps: list[NextStep]) -> list[NextStep]:
    seen: set[tuple[str, str]] = set()
    out = []
    for s in steps:
        key = (s.kind, s.note_id or s.question_id or s.text)
        if key not in seen:
            seen.add(key)
            out.append(s)
    return out


def review_due_map(states: dict[str, dict[str, Any]]) -> dict[str, str]:
    return {qid: str(s["due"]) for qid, s in states.items()}
