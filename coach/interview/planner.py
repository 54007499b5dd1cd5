"""Choose the questions of a session: role, tracks, difficulty, history, job description."""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from coach.errors import CoachError
from coach.knowledge.loader import KnowledgeBase
from coach.knowledge.models import DIFFICULTIES, BankQuestion

LEVEL = {d: i for i, d in enumerate(DIFFICULTIES)}


@dataclass
class PlanRequest:
    role: str = "ml-engineer"
    tracks: list[str] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)
    difficulty: str | None = None
    count: int = 5
    seed: int | None = None
    adaptive: bool = True
    question_ids: list[str] = field(default_factory=list)
    """Explicit questions (a review session); everything else is ignored."""


@dataclass
class History:
    topic_scores: dict[str, list[float]] = field(default_factory=dict)
    due: list[str] = field(default_factory=list)
    asked: set[str] = field(default_factory=set)


@dataclass
class Plan:
    """Candidates in priority order and why each was chosen."""

    candidates: list[str]
    reasons: dict[str, str]
    topic_weights: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"candidates": self.candidates, "reasons": self.reasons,
                "topic_weights": self.topic_weights, "notes": self.notes}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Plan:
        return cls(list(data["candidates"]), dict(data["reasons"]),
                   dict(data.get("topic_weights", {})), list(data.get("notes", [])))


def make_plan(kb: KnowledgeBase, req: PlanRequest, history: History | None = None,
              jd_topics: dict[str, float] | None = None) -> Plan:
    history = history or History()
    if req.question_ids:
        missing = [q for q in req.question_ids if q not in kb.questions]
        if missing:
            raise CoachError(f"unknown question ids {missing} — see 'coach questions list'")
        return Plan(list(dict.fromkeys(req.question_ids)),
                    {q: "due for review" for q in req.question_ids})
    pool = [q for q in kb.questions.values()
            if req.role in q.question.roles
            and (not req.tracks or q.track in req.tracks)
            and (not req.kinds or q.kind in req.kinds)]
    if req.difficulty and not req.adaptive:
        pool = [q for q in pool if q.question.difficulty == req.difficulty]
    if not pool:
        raise CoachError(f"no questions for role '{req.role}'"
                         + (f" in tracks {req.tracks}" if req.tracks else "")
                         + (f" at difficulty {req.difficulty}" if req.difficulty else "")
                         + " — widen the tracks or the difficulty")
    rng = random.Random(req.seed)
    jd_topics = jd_topics or {}
    weights: dict[str, float] = {}
    reasons: dict[str, str] = {}
    due = set(history.due)
    for q in pool:
        w = 1.0
        why: list[str] = []
        if q.id in due:
            w += 3.0
            why.append("due for spaced review")
        jd = max((jd_topics.get(t, 0.0) for t in q.topics), default=0.0)
        if jd > 0:
            w += 12.0 * jd
            top = max(q.topics, key=lambda t: jd_topics.get(t, 0.0))
            why.append(f"the job description asks about {top}")
        scores = [s for t in q.topics for s in history.topic_scores.get(t, [])]
        if scores and sum(scores) / len(scores) < 3.0:
            w += 2.0
            why.append(f"weak topic (average {sum(scores) / len(scores):.1f}/5)")
        elif not scores and history.topic_scores:
            w += 0.5
            why.append("topic not practised yet")
        if q.id in history.asked and q.id not in due:
            w *= 0.3
        weights[q.id] = w
        reasons[q.id] = why[0] if why else "broad coverage"
    # Weighted sampling without replacement (Efraimidis-Spirakis keys), seeded.
    keyed = sorted(pool, key=lambda q: -(rng.random() ** (1.0 / weights[q.id])))
    # Spread topics: a note's second question goes after every note has had one.
    seen_notes: dict[str, int] = defaultdict(int)
    ordered: list[tuple[int, int, BankQuestion]] = []
    for rank, q in enumerate(keyed):
        ordered.append((seen_notes[q.note_id], rank, q))
        seen_notes[q.note_id] += 1
    # With a job description, the questions it asks for come first.
    ordered.sort(key=lambda t: (-(max((jd_topics.get(x, 0.0) for x in t[2].topics),
                                      default=0.0) >= 0.5), t[0], t[1]))
    candidates = [q.id for _, _, q in ordered]
    return Plan(candidates, {q: reasons[q] for q in candidates}, jd_topics)


def next_question(kb: KnowledgeBase, plan: Plan, asked: list[str], target: str | None,
                  kinds_so_far: list[str] | None = None) -> str | None:
    """The first candidate not asked yet, nearest to the target difficulty."""
    remaining = [q for q in plan.candidates if q not in set(asked)]
    if not remaining:
        return None
    if target is None:
        return remaining[0]
    window = remaining[:6]
    goal = LEVEL[target]
    return min(window, key=lambda q: (abs(LEVEL[kb.questions[q].question.difficulty] - goal),
                                      window.index(q)))


def adapt(current: str, score: float) -> str:
    """Harder after a strong answer, easier after a weak one."""
    level = LEVEL[current]
    if score >= 4.0:
        level = min(level + 1, len(DIFFICULTIES) - 1)
    elif score < 2.0:
        level = max(level - 1, 0)
    return DIFFICULTIES[level]


def jd_topic_weights(text: str, search: Any, kb: KnowledgeBase, k: int = 6) -> dict[str, float]:
    """Topic weights from a job description: retrieval over the notes, sentence by sentence."""
    from coach.grading.text import split_units

    pieces = [u.text for u in split_units(text) if len(u.text.split()) >= 3][:80] or [text]
    scores: dict[str, float] = defaultdict(float)
    for piece in pieces:
        for hit in search(piece, k):
            if hit.score < 0.3:
                continue
            note = kb.notes.get(hit.note_id)
            if note is None or note.meta.track == "career":
                continue  # every job description talks about the role itself
            for topic in note.meta.topics:
                scores[topic] += hit.score
    if not scores:
        return {}
    top = max(scores.values())
    ranked = sorted(scores.items(), key=lambda kv: -kv[1])[:12]
    return {t: round(s / top, 3) for t, s in ranked}
