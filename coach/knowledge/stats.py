"""Counts over the knowledge base."""

from __future__ import annotations

from collections import Counter
from typing import Any

from coach.knowledge.loader import KnowledgeBase


def knowledge_stats(kb: KnowledgeBase) -> dict[str, Any]:
    by_track: Counter[str] = Counter()
    by_kind: Counter[str] = Counter()
    by_role: Counter[str] = Counter()
    by_difficulty: Counter[str] = Counter()
    track_difficulty: dict[str, Counter[str]] = {}
    for bq in kb.questions.values():
        q = bq.question
        by_track[bq.track] += 1
        by_kind[q.kind] += 1
        by_difficulty[q.difficulty] += 1
        track_difficulty.setdefault(bq.track, Counter())[q.difficulty] += 1
        for role in q.roles:
            by_role[role] += 1
    notes_by_track = Counter(n.meta.track for n in kb.notes.values())
    topics = sorted({t for n in kb.notes.values() for t in n.meta.topics})
    return {
        "notes": len(kb.notes),
        "questions": len(kb.questions),
        "by_track": dict(sorted(by_track.items())),
        "by_kind": dict(sorted(by_kind.items())),
        "by_role": dict(sorted(by_role.items())),
        "by_difficulty": dict(sorted(by_difficulty.items())),
        "notes_by_track": dict(sorted(notes_by_track.items())),
        "difficulty_by_track": {t: dict(sorted(c.items())) for t, c in
                                sorted(track_difficulty.items())},
        "topics": topics,
        "topics_missing": sorted(set(kb.topics) - set(topics)),
        "problems": len(kb.problems),
    }
