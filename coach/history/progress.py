"""Per-topic mastery and its trend, from every graded answer in the history.

Mastery is the mean score (0-5) of a topic's graded answers, each weighted by
0.5 ** (age in days / HALF_LIFE_DAYS), so recent answers count more and old ones fade.
The trend compares the mean of the newer half of the last TREND_WINDOW answers with the
older half: "improving" or "slipping" when they differ by at least TREND_STEP.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal

from coach.grading.models import level_for
from coach.interview.records import InterviewRepository, Session, Turn
from coach.knowledge.loader import KnowledgeBase

HALF_LIFE_DAYS = 30.0
TREND_WINDOW = 6
TREND_STEP = 0.3
Trend = Literal["improving", "steady", "slipping", "new"]


@dataclass
class TopicProgress:
    topic: str
    scores: list[tuple[str, float]] = field(default_factory=list)
    """(when, score) of every graded answer on the topic, oldest first."""
    mastery: float = 0.0
    trend: Trend = "new"
    change: float = 0.0
    """Newer half minus older half of the last answers (0 for a single answer)."""

    @property
    def attempts(self) -> int:
        return len(self.scores)

    @property
    def level(self) -> str:
        return level_for(self.mastery)

    @property
    def last(self) -> float:
        return self.scores[-1][1]


@dataclass
class Progress:
    topics: list[TopicProgress]
    sessions: list[tuple[str, str, float]]
    """(session id, created_at, mean score) of sessions with a graded answer, oldest first."""
    unpractised: list[str]
    """Topics of the role's questions that no graded answer touched yet."""


def _age_days(stamp: str, at: datetime) -> float:
    try:
        when = datetime.fromisoformat(stamp)
    except ValueError:
        return 0.0
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max((at - when).total_seconds() / 86400.0, 0.0)


def topic_progress(topic: str, scores: list[tuple[str, float]], at: datetime) -> TopicProgress:
    scores = sorted(scores)
    weights = [0.5 ** (_age_days(when, at) / HALF_LIFE_DAYS) for when, _ in scores]
    mastery = sum(w * s for w, (_, s) in zip(weights, scores, strict=True)) / sum(weights)
    tp = TopicProgress(topic=topic, scores=scores, mastery=round(mastery, 2))
    recent = [s for _, s in scores[-TREND_WINDOW:]]
    if len(recent) >= 2:
        half = len(recent) // 2
        older, newer = recent[: len(recent) - half], recent[len(recent) - half:]
        tp.change = round(sum(newer) / len(newer) - sum(older) / len(older), 2)
        tp.trend = ("improving" if tp.change >= TREND_STEP else
                    "slipping" if tp.change <= -TREND_STEP else "steady")
    return tp


def role_topics(kb: KnowledgeBase, role: str) -> dict[str, list[str]]:
    """Topic -> the ids of the role's bank questions on it."""
    out: dict[str, list[str]] = defaultdict(list)
    for q in kb.questions.values():
        if role in q.question.roles:
            for topic in q.topics:
                out[topic].append(q.id)
    return dict(out)


def compute_progress(turns: list[Turn], sessions: list[Session],
                     kb: KnowledgeBase | None = None, role: str | None = None,
                     at: datetime | None = None) -> Progress:
    at = at or datetime.now(UTC)
    by_topic: dict[str, list[tuple[str, float]]] = defaultdict(list)
    for t in turns:
        if t.score is None or t.skipped:
            continue
        for topic in t.topics:
            by_topic[topic].append((t.updated_at or t.started_at, float(t.score)))
    topics = [topic_progress(name, scores, at) for name, scores in by_topic.items()]
    topics.sort(key=lambda tp: (tp.mastery, tp.topic))
    timeline = sorted((s.created_at, s.id, s.score) for s in sessions if s.score is not None)
    unpractised: list[str] = []
    if kb is not None and role:
        unpractised = sorted(t for t in role_topics(kb, role) if t not in by_topic)
    return Progress(topics=topics, sessions=[(sid, when, float(score))
                                             for when, sid, score in timeline],
                    unpractised=unpractised)


def load_progress(repo: InterviewRepository, kb: KnowledgeBase | None = None,
                  role: str | None = None, at: datetime | None = None) -> Progress:
    return compute_progress(repo.graded_turns(), repo.sessions(limit=10_000), kb, role, at)
