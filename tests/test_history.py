"""History: sessions list, progress and trend, spaced review, the preparation plan."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from coach.errors import CoachError
from coach.interview.records import Turn
from coach.services import Services

AT = datetime(2026, 3, 1, 12, tzinfo=UTC)


def cli(svc: Services, monkeypatch: pytest.MonkeyPatch, *args: str,
        stdin: str | None = None) -> Any:
    from coach.cli import _register, app, report_cmds

    _register()
    monkeypatch.setattr(report_cmds, "_services", lambda: svc)
    return CliRunner().invoke(app, list(args), input=stdin)


def turn(sid: str, pos: int, qid: str, score: float | None, topics: list[str], when: str,
         skipped: bool = False) -> Turn:
    return Turn(session_id=sid, position=pos, question_id=qid, state="graded", answer="a",
                score=score, topics=topics, skipped=skipped, started_at=when, updated_at=when)


def test_mastery_weighs_recent_answers_and_trend_follows_the_scores() -> None:
    from coach.history.progress import compute_progress

    day = lambda n: (AT - timedelta(days=n)).isoformat()  # noqa: E731
    turns = [turn("s", 0, "q1", 1.0, ["svm"], day(60)),
             turn("s", 1, "q2", 1.5, ["svm"], day(40)),
             turn("s", 2, "q3", 4.0, ["svm"], day(2)), turn("s", 3, "q4", 4.5, ["svm"], day(1)),
             turn("s", 4, "q5", 4.8, ["pca"], day(20)),
             turn("s", 5, "q6", 3.0, ["pca"], day(1)),
             turn("s", 6, "q7", 5.0, ["knn"], day(1)),
             turn("s", 7, "q8", None, ["rnn"], day(1), skipped=True)]
    prog = compute_progress(turns, [], at=AT)
    by = {t.topic: t for t in prog.topics}
    assert set(by) == {"svm", "pca", "knn"}, "skipped answers do not count"
    plain_mean = (1.0 + 1.5 + 4.0 + 4.5) / 4
    assert by["svm"].mastery > plain_mean + 0.5, "recent strong answers outweigh old weak ones"
    assert by["svm"].trend == "improving" and by["svm"].change == pytest.approx(3.0)
    assert by["pca"].trend == "slipping"
    assert by["knn"].trend == "new" and by["knn"].attempts == 1
    w_old, w_new = 0.5 ** (20 / 30), 0.5 ** (1 / 30)  # half-life 30 days
    assert by["pca"].mastery == pytest.approx((w_old * 4.8 + w_new * 3.0) / (w_old + w_new),
                                              abs=0.01)
    assert [t.topic for t in prog.topics] == sorted(by, key=lambda t: by[t].mastery), \
        "weakest first"


def test_unpractised_topics_are_those_of_the_role_never_graded(kb) -> None:  # type: ignore[no-untyped-def]
    from coach.history.progress import compute_progress, role_topics

    topics = role_topics(kb, "mlops-engineer")
    some = sorted(topics)[0]
    prog = compute_progress([turn("s", 0, "q", 3.0, [some], AT.isoformat())], [], kb,
                            "mlops-engineer", at=AT)
    assert some not in prog.unpractised
    assert set(prog.unpractised) == set(topics) - {some}


def test_history_and_progress_commands(services: Services, monkeypatch: pytest.MonkeyPatch
                                       ) -> None:
    repo = services.repo
    result = cli(services, monkeypatch, "history")
    assert "no sessions yet" in result.output
    for i, score in enumerate([1.5, 2.5, 4.0]):
        repo.create_session(f"sess{i}", "ml-engineer", "practice", {"questions": 1}, {})
        repo.save_turn(turn(f"sess{i}", 0, "bias-variance-tradeoff-1", score,
                            ["bias-variance-tradeoff"], f"2026-02-0{i + 1}T10:00:00+00:00"))
    result = cli(services, monkeypatch, "history", "--json")
    rows = json.loads(result.output)
    assert [r["id"] for r in rows] == ["sess2", "sess1", "sess0"]
    assert rows[0]["score"] == 4.0 and rows[0]["level"] == "strong"
    result = cli(services, monkeypatch, "history")
    assert "sess2" in result.output and "4.0 strong" in result.output
    result = cli(services, monkeypatch, "progress")
    assert result.exit_code == 0, result.output
    assert "bias-variance-tradeoff" in result.output and "improving" in result.output
    assert "Session scores" in result.output and "█" in result.output
    assert "topic(s) not practised yet" in result.output
    data = json.loads(cli(services, monkeypatch, "progress", "--json").output)
    assert data["topics"][0]["scores"] == [1.5, 2.5, 4.0]


def test_every_graded_question_updates_its_review_card(services: Services) -> None:
    from coach.interview.review import due_count, due_questions
    from coach.interview.session import Interview, SessionConfig

    qids = ["bias-variance-tradeoff-1", "bias-variance-tradeoff-2"]
    iv = Interview.start(services, SessionConfig(question_ids=qids, questions=2, followups=1))
    iv.next()
    step = iv.submit("Bias is systematic error from assumptions; variance is sensitivity to "
                     "the sample.")
    if step.followup is not None:
        step = iv.submit("I am not sure.")
    iv.next()
    step = iv.submit("No idea.")
    assert step.followup is not None, "a weak answer gets a follow-up"
    iv.finish()  # ending during a follow-up still records the review
    states = services.repo.review_states()
    assert set(states) == set(qids)
    assert all(s["reviews"] == 1 for s in states.values())
    assert due_count(services.repo) == 0
    later = datetime.now(UTC) + timedelta(days=400)
    assert due_count(services.repo, later) == 2
    assert sorted(due_questions(services.repo, later)) == sorted(qids)


def test_review_command_runs_what_is_due_in_line_mode(services: Services,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    from coach.interview.review import record_review

    result = cli(services, monkeypatch, "review")
    assert "nothing is due for review" in result.output
    past = datetime.now(UTC) - timedelta(days=30)
    record_review(services.repo, "bias-variance-tradeoff-1", 1.0, when=past)
    record_review(services.repo, "no-longer-in-the-bank", 1.0, when=past)
    result = cli(services, monkeypatch, "review", "--list")
    assert "bias-variance-tradeoff-1" in result.output and "1 question(s) due" in result.output
    answer = ("Bias is the systematic error from the model's assumptions. Variance is how much "
              "predictions change with a different training sample.\n.\n/skip\n/end\n")
    result = cli(services, monkeypatch, "review", stdin=answer)
    assert result.exit_code == 0, result.output
    assert "Explain bias and variance" in result.output
    session = services.repo.session("latest")
    assert [t.question_id for t in session.turns] == ["bias-variance-tradeoff-1"]
    assert session.turns[0].score is not None
    state = services.repo.review_states()["bias-variance-tradeoff-1"]
    assert state["reviews"] == 2 and state["due"] > datetime.now(UTC).isoformat()


def test_plan_orders_weak_then_new_topics_and_places_mocks_and_reviews(kb) -> None:  # type: ignore[no-untyped-def]
    from coach.history.plan import make_prep_plan, render_plan
    from coach.history.progress import compute_progress

    today = date(2026, 3, 2)
    turns = [turn("s", 0, "q1", 1.2, ["svm"], "2026-03-01T10:00:00+00:00"),
             turn("s", 1, "q2", 4.8, ["pca"], "2026-03-01T10:00:00+00:00"),
             turn("s", 2, "q3", 3.5, ["knn"], "2026-03-01T10:00:00+00:00")]
    prog = compute_progress(turns, [], kb, "data-scientist", at=AT)
    interview = today + timedelta(days=20)
    plan = make_prep_plan(kb, prog, "data-scientist", interview, hours_per_week=3, today=today,
                          due={"svm-1": "2026-03-05T08:00:00+00:00"})
    assert plan.focus[0].topic == "svm", "the weak topic comes first"
    assert plan.focus[1].mastery is None, "then topics never practised"
    assert all(f.topic != "pca" for f in plan.focus + plan.left_out), "strong topics rest"
    assert all(today <= d.day < interview for d in plan.days)
    mocks = [d.day for d in plan.days if d.title == "Mock interview"]
    assert mocks and max(mocks) <= interview - timedelta(days=2)
    assert len(mocks) >= 2, "one mock a week, and a final one"
    review_days = [d.day for d in plan.days for i in d.items
                   if i.kind == "review" and "svm-1" in i.text]
    assert len(review_days) == 1 and review_days[0] >= date(2026, 3, 5)
    study = next(d for d in plan.days if d.title == "Study: svm")
    assert any(i.kind == "study" and "knowledge/" in i.text for i in study.items)
    practise = next(i for i in study.items if i.kind == "practise")
    assert all(q in kb.questions for q in practise.text.split(": ", 1)[1].split(", "))
    text = render_plan(plan)
    assert text.startswith("# Preparation plan — data-scientist, interview on 2026-03-22")
    assert "- [ ] " in text and "Mock interview" in text and "Did not fit" in text
    with pytest.raises(CoachError, match="not after today"):
        make_prep_plan(kb, prog, "data-scientist", today, today=today)


def test_plan_command_prints_and_saves_markdown(services: Services,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    when = (date.today() + timedelta(days=10)).isoformat()
    result = cli(services, monkeypatch, "plan", "--interview-date", when, "--hours-per-week",
                 "2", "--role", "ai-engineer")
    assert result.exit_code == 0, result.output
    saved = Path(result.output.strip().splitlines()[-1].removeprefix("plan saved to "))
    assert saved.parent == services.paths.reports_dir and saved.suffix == ".md"
    assert saved.read_text(encoding="utf-8").strip() in result.output
    result = cli(services, monkeypatch, "plan", "--interview-date", "next tuesday")
    assert isinstance(result.exception, CoachError) and "YYYY-MM-DD" in str(result.exception)
    result = cli(services, monkeypatch, "plan", "--interview-date", when, "--role", "chef")
    assert isinstance(result.exception, CoachError) and "unknown role" in str(result.exception)
