"""A dated preparation plan from the history, the due reviews and the role's unpractised topics.

Focus order: weak topics (mastery below 3), then topics never practised for the role (the
ones with most questions first), then middling topics (below 4). Study sessions are spread
evenly through each week; the last session of each full week is a mock interview, and so is
the last session at least two days before the interview. Reviews are slotted into the first
session on or after the day they fall due.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Literal

from coach.errors import CoachError
from coach.history.progress import Progress, role_topics
from coach.knowledge.loader import KnowledgeBase

ItemKind = Literal["study", "practise", "review", "mock", "recap"]
WEAK = 3.0
GOOD = 4.0
MAX_REVIEWS_PER_SESSION = 8
READING_WPM = 150
MAX_PLAN_DAYS = 366
"""A plan covers at most a year: further out, no schedule survives, and making a day-by-day
plan to the year 9999 took minutes. The plan says so and when to make the next one."""


@dataclass
class PlanItem:
    kind: ItemKind
    text: str
    minutes: int
    command: str | None = None


@dataclass
class PlanDay:
    day: date
    title: str
    items: list[PlanItem] = field(default_factory=list)


@dataclass
class Focus:
    topic: str
    why: str
    mastery: float | None


@dataclass
class PrepPlan:
    role: str
    today: date
    interview: date
    hours_per_week: float
    session_minutes: int
    days: list[PlanDay]
    focus: list[Focus]
    """Topics that got a study session, in order."""
    left_out: list[Focus]
    """Focus topics no session had room for."""
    until: date | None = None
    """The last day planned when the interview is further away than MAX_PLAN_DAYS."""


def session_dates(today: date, interview: date, per_week: int) -> list[date]:
    """Study dates before the interview, spread evenly through each week."""
    dates: list[date] = []
    seen: set[date] = set()
    week = 0
    while today + timedelta(days=7 * week) < interview:
        for i in range(per_week):
            d = today + timedelta(days=7 * week + (i * 7) // per_week)
            if d < interview and d not in seen:
                seen.add(d)
                dates.append(d)
        week += 1
    return dates


def focus_topics(progress: Progress, kb: KnowledgeBase, role: str) -> list[Focus]:
    by_role = role_topics(kb, role)
    weak = [Focus(t.topic, f"mastery {t.mastery:.1f} ({t.level}, {t.trend})", t.mastery)
            for t in progress.topics if t.mastery < WEAK]
    new = [Focus(t, f"not practised yet; {len(by_role[t])} {role} question(s)", None)
           for t in sorted(progress.unpractised, key=lambda t: (-len(by_role.get(t, [])), t))]
    middling = [Focus(t.topic, f"mastery {t.mastery:.1f} — can become strong", t.mastery)
                for t in progress.topics if WEAK <= t.mastery < GOOD]
    return weak + new + middling


def _note_for(topic: str, kb: KnowledgeBase, role: str) -> Any:
    notes = [n for n in kb.notes.values() if topic in n.meta.topics]
    notes.sort(key=lambda n: (role not in n.meta.roles, n.meta.topics.index(topic), n.id))
    return notes[0] if notes else None


def _questions_for(topic: str, kb: KnowledgeBase, role: str, scores: dict[str, float],
                   n: int = 3) -> list[str]:
    ids = role_topics(kb, role).get(topic, [])
    # Never-answered questions first, then the ones answered worst.
    return sorted(ids, key=lambda q: (q in scores, scores.get(q, 0.0), q))[:n]


def make_prep_plan(kb: KnowledgeBase, progress: Progress, role: str, interview: date, *,
                   hours_per_week: float = 5.0, today: date | None = None,
                   due: dict[str, str] | None = None,
                   question_scores: dict[str, float] | None = None) -> PrepPlan:
    """Args:
        due: question id -> when its review falls due (ISO).
        question_scores: question id -> last score, to pick which questions to redo.
    """
    today = today or datetime.now().date()
    if interview <= today:
        raise CoachError(f"the interview date {interview.isoformat()} is not after today "
                         f"({today.isoformat()}) — give a future date as YYYY-MM-DD")
    if not 0.5 <= hours_per_week <= 80:
        raise CoachError(f"--hours-per-week {hours_per_week:g} is out of range — use 0.5 to 80")
    per_week = max(1, min(6, round(hours_per_week)))
    minutes = max(30, round(hours_per_week * 60 / per_week))
    capped = (interview - today).days > MAX_PLAN_DAYS
    horizon = today + timedelta(days=MAX_PLAN_DAYS) if capped else interview
    dates = session_dates(today, horizon, per_week)
    mocks = _mock_dates(dates, horizon, per_week, today)
    focus = focus_topics(progress, kb, role)
    queue = deque(focus)
    scheduled: list[Focus] = []
    scores = question_scores or {}
    pending = deque(sorted((when[:10], qid) for qid, when in (due or {}).items()))
    days: list[PlanDay] = []
    for d in dates:
        day = PlanDay(d, "")
        # Oldest due first, at most a session's worth: the queue is sorted, so take its front.
        reviews: list[str] = []
        while (pending and pending[0][0] <= d.isoformat()
               and len(reviews) < MAX_REVIEWS_PER_SESSION):
            reviews.append(pending.popleft()[1])
        if d in mocks:
            day.title = "Mock interview"
            day.items.append(PlanItem("mock", f"Timed mock interview for {role}, then read the "
                                      "report and add its weak topics to your next sessions",
                                      min(minutes, 60), f"coach practice --mode mock --role "
                                      f"{role}"))
        elif d == interview - timedelta(days=1) and len(dates) > 1:
            day.title = "Recap (day before)"
            day.items.append(PlanItem("recap", "Skim your last reports' next steps and the "
                                      "model answers you missed; no new material", 30,
                                      "coach report latest --format html"))
        else:
            topic = queue.popleft() if queue else None
            if topic is not None:
                scheduled.append(topic)
            day.title = f"Study: {topic.topic}" if topic else "Mixed practice"
            day.items += _study_items(topic, kb, role, scores, minutes)
        if reviews:
            day.items.append(PlanItem("review", f"Review {len(reviews)} due question(s): "
                                      + ", ".join(reviews), 6 * len(reviews), "coach review"))
        days.append(day)
    return PrepPlan(role=role, today=today, interview=interview,
                    hours_per_week=hours_per_week, session_minutes=minutes, days=days,
                    focus=scheduled, left_out=list(queue),
                    until=horizon - timedelta(days=1) if capped else None)


def _mock_dates(dates: list[date], interview: date, per_week: int, today: date) -> set[date]:
    if len(dates) <= 1:
        return set(dates)
    mocks: set[date] = set()
    if per_week >= 2:
        for i, d in enumerate(dates):
            week_end = today + timedelta(days=7 * ((d - today).days // 7 + 1))
            # The dates are in order: d is its week's last session when the next is past it.
            last_of_week = i + 1 == len(dates) or dates[i + 1] >= week_end
            if last_of_week and week_end <= interview:
                mocks.add(d)
    final = [d for d in dates if d <= interview - timedelta(days=2)]
    mocks.add(final[-1] if final else dates[-1])
    return mocks


def _study_items(topic: Focus | None, kb: KnowledgeBase, role: str, scores: dict[str, float],
                 minutes: int) -> list[PlanItem]:
    if topic is None:
        return [PlanItem("practise", f"Mixed practice across the {role} question bank", minutes,
                         f"coach practice --plain --role {role}")]
    items = []
    note = _note_for(topic.topic, kb, role)
    read = 0
    if note is not None:
        read = min(max(10, note.word_count // READING_WPM), minutes // 2)
        items.append(PlanItem("study", f"Read “{note.title}” ({note.path}) — {topic.why}", read))
    qids = _questions_for(topic.topic, kb, role, scores)
    if qids:
        track = note.meta.track if note is not None else kb.questions[qids[0]].track
        items.append(PlanItem("practise", "Practise: " + ", ".join(qids), minutes - read,
                              f"coach practice --plain --track {track} --role {role}"))
    return items


def render_plan(plan: PrepPlan) -> str:
    weeks = (plan.interview - plan.today).days / 7
    out = [f"# Preparation plan — {plan.role}, interview on {plan.interview.isoformat()}", "",
           f"Made on {plan.today.isoformat()}: {(plan.interview - plan.today).days} day(s) "
           f"(~{weeks:.1f} weeks) at {plan.hours_per_week:g} h/week → {len(plan.days)} "
           f"session(s) of about {plan.session_minutes} min.", ""]
    if plan.until is not None:
        out += [f"The interview is more than {MAX_PLAN_DAYS} days away, so this plan stops "
                f"on {plan.until.isoformat()}: run 'coach plan' again before then for the "
                "rest.", ""]
    out += ["## Focus topics, in order", "", "| # | Topic | Why |", "|---|---|---|"]
    for i, f in enumerate(plan.focus, 1):
        out.append(f"| {i} | {f.topic} | {f.why} |")
    if not plan.focus:
        out.append("| – | (none) | every practised topic is strong and nothing is new, or "
                   "there was no room for a study session |")
    out += ["", "## Schedule", ""]
    for day in plan.days:
        out.append(f"### {day.day.strftime('%a')} {day.day.isoformat()} — {day.title}")
        out.append("")
        for item in day.items:
            cmd = f" — `{item.command}`" if item.command else ""
            out.append(f"- [ ] {item.text} ({item.minutes} min){cmd}")
        out.append("")
    out += [f"### {plan.interview.strftime('%a')} {plan.interview.isoformat()} — Interview", "",
            "- Good luck. Sleep well the night before.", ""]
    if plan.left_out:
        names = [f.topic for f in plan.left_out]
        more = f" and {len(names) - 15} more" if len(names) > 15 else ""
        out += ["## Did not fit", "", f"More hours per week or a later date would cover "
                f"{len(names)} more topic(s), next in line: " + ", ".join(names[:15]) + more
                + ".", ""]
    return "\n".join(out)
