"""Spaced review with FSRS: every graded question updates its card."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from coach.storage.repo import Repository


def rating_for(score: float) -> int:
    """FSRS rating from a 0-5 score: Again < 1.5 <= Hard < 3 <= Good < 4.2 <= Easy."""
    from fsrs import Rating

    if score < 1.5:
        return int(Rating.Again)
    if score < 3.0:
        return int(Rating.Hard)
    if score < 4.2:
        return int(Rating.Good)
    return int(Rating.Easy)


def _scheduler() -> Any:
    from fsrs import Scheduler

    # Interview practice reviews in days, not minutes: no intra-day learning steps.
    return Scheduler(learning_steps=(), relearning_steps=(), enable_fuzzing=False)


def record_review(repo: Repository[Any], question_id: str, score: float,
                  when: datetime | None = None) -> datetime:
    """Update the question's card; returns when it is next due."""
    from fsrs import Card, Rating

    when = when or datetime.now(UTC)
    state = repo.review_state(question_id)
    card = Card.from_dict(state["card"]) if state else Card()
    card, _ = _scheduler().review_card(card, Rating(rating_for(score)), review_datetime=when)
    if score < 1.5:
        card.due = min(card.due, when + timedelta(days=1))
    repo.save_review(question_id, card.to_dict(), card.due.isoformat(timespec="seconds"), score)
    due: datetime = card.due
    return due


def due_questions(repo: Repository[Any], at: datetime | None = None) -> list[str]:
    return repo.due_reviews((at or datetime.now(UTC)).isoformat(timespec="seconds"))


def due_count(repo: Repository[Any], at: datetime | None = None) -> int:
    """How many questions are due for review now (the TUI home screen shows this)."""
    stamp = (at or datetime.now(UTC)).isoformat(timespec="seconds")
    rows = repo.db.query("SELECT COUNT(*) AS n FROM review_state WHERE due <= ?", (stamp,))
    return int(rows[0]["n"])


def next_due(repo: Repository[Any]) -> str | None:
    """When the earliest review comes due (ISO time), or None with nothing scheduled."""
    rows = repo.db.query("SELECT MIN(due) AS due FROM review_state")
    return str(rows[0]["due"]) if rows and rows[0]["due"] else None
