"""The interview session: planning, follow-ups, hints, skip, end, persistence, resume."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from cli_support import run_cli

from coach.interview.planner import History, PlanRequest, make_plan
from coach.interview.session import Interview, SessionConfig, State
from coach.services import Services

PARTIAL = "I am not completely sure, but I think it has something to do with the data."


def _ngrams(text: str, n: int = 6) -> set[tuple[str, ...]]:
    ws = text.lower().split()
    return {tuple(ws[i:i + n]) for i in range(len(ws) - n + 1)}


def test_plan_respects_role_track_and_seed(kb) -> None:  # type: ignore[no-untyped-def]
    req = PlanRequest(role="mlops-engineer", tracks=["mlops", "data-engineering"], seed=7)
    a = make_plan(kb, req)
    b = make_plan(kb, req)
    assert a.candidates == b.candidates  # --seed makes it reproducible
    assert make_plan(kb, PlanRequest(role="mlops-engineer", tracks=["mlops"], seed=8)
                     ).candidates != make_plan(kb, PlanRequest(role="mlops-engineer",
                                                               tracks=["mlops"], seed=9)).candidates
    for qid in a.candidates:
        q = kb.questions[qid]
        assert q.track in ("mlops", "data-engineering")
        assert "mlops-engineer" in q.question.roles
    assert len(set(a.candidates)) == len(a.candidates)


def test_plan_prefers_weak_and_due_topics(kb) -> None:  # type: ignore[no-untyped-def]
    due = [q for q in kb.questions if kb.questions[q].track == "algorithms"][:2]
    history = History(topic_scores={"gradient-boosting": [1.0, 1.5]}, due=due)
    plan = make_plan(kb, PlanRequest(role="data-scientist", tracks=["algorithms"], seed=3),
                     history)
    top = plan.candidates[:8]
    assert set(due) & set(top)
    assert any("gradient-boosting" in kb.questions[q].topics for q in top)
    assert any(plan.reasons[q] == "due for spaced review" for q in top)


def test_full_session_followups_grades_and_summary(services: Services) -> None:
    iv = Interview.start(services, SessionConfig(role="ml-engineer", tracks=["fundamentals"],
                                                 kinds=["technical"], questions=2, seed=11,
                                                 followups=2))
    step = iv.next()
    assert step.question is not None and iv.state == State.ASKING
    q = step.question
    step = iv.submit(PARTIAL)
    assert step.followup is not None, "a weak answer must get a follow-up"
    assert iv.state == State.FOLLOWING_UP
    # The follow-up targets a point the answer missed and does not leak the model answer.
    missed = {k.id for k in step.grade.key_points if k.status != "covered"}  # type: ignore[union-attr]
    assert step.followup.target in missed or step.followup.kind == "misconception"
    leaked = _ngrams(step.followup.text) & _ngrams(q.question.model_answer)
    assert not leaked, leaked
    step = iv.submit("No idea.")
    if step.followup is not None:
        assert step.followup.target != iv.turn.followups[0].target  # type: ignore[union-attr]
        step = iv.submit("Still not sure.")
    assert step.grade is not None and step.followup is None
    assert len(iv.turn.followups) <= 2  # type: ignore[union-attr]
    step = iv.next()
    assert step.question is not None and step.question.id != q.id  # never repeats
    iv.submit(step.question.question.model_answer)
    while iv.state == State.FOLLOWING_UP:
        iv.skip()
    step = iv.next()
    assert step.finished
    record = services.repo.session(iv.id)
    assert record.status == "finished" and record.summary is not None
    assert record.summary["answered"] == 2
    assert record.turns[1].score is not None and record.turns[1].score > record.turns[0].score  # type: ignore[operator]
    # Every graded question updated its spaced-review card.
    assert set(services.repo.review_states()) == {t.question_id for t in record.turns}


def test_hint_skip_and_end_early(services: Services) -> None:
    iv = Interview.start(services, SessionConfig(tracks=["algorithms"], questions=3, seed=5))
    q = iv.next().question
    assert q is not None
    hint = iv.hint()
    assert q.question.hints and q.question.hints[0] in hint
    iv.skip()
    assert iv.turn is not None and iv.turn.skipped and iv.turn.hints_used == 1
    iv.next()
    iv.finish()
    record = services.repo.session(iv.id)
    assert record.status == "finished"
    assert len(record.turns) == 2 and all(t.skipped for t in record.turns)
    assert record.summary is not None and record.summary["answered"] == 0


def test_mock_mode_has_no_hints(services: Services) -> None:
    iv = Interview.start(services, SessionConfig(questions=1, seed=1, mode="mock"))
    iv.next()
    assert "off in a mock" in iv.hint()


def test_job_description_weights_topics(services: Services, tmp_path: Path) -> None:
    jd = ("We are hiring an MLOps engineer to run Kubernetes model serving, monitor data drift "
          "in production, and maintain our feature store and Airflow pipelines.")
    iv = Interview.start(services, SessionConfig(role="mlops-engineer", questions=3, seed=2,
                                                 job_description=jd))
    weights = iv.plan.topic_weights
    assert weights, "the job description must select topics"
    assert {"model-monitoring", "feature-store", "containers-orchestration",
            "etl-pipelines"} & set(list(weights)[:6])
    assert any("job description" in n for n in iv.plan.notes)
    first = iv.next().question
    assert first is not None and "job description" in iv.reason(first.id)


def _db_answer(db: Path) -> list[tuple[str, str]]:
    con = sqlite3.connect(db)
    try:
        return con.execute("SELECT state, answer FROM turns ORDER BY position").fetchall()
    finally:
        con.close()


def test_sigkill_loses_no_submitted_answer_and_resume_continues(coach_home: Path) -> None:
    env = {**os.environ, "COACH_HOME": str(coach_home)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "coach", "practice", "--plain", "--track", "fundamentals",
         "--questions", "3", "--seed", "4", "--followups", "0"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        env=env,
    )
    assert proc.stdin is not None and proc.stdout is not None
    answer = "Regularization penalizes large weights so the model generalizes better."
    proc.stdin.write(answer + "\n.\n")
    proc.stdin.flush()
    db = coach_home / "data" / "coach.db"
    deadline = time.time() + 180
    while time.time() < deadline:
        if db.exists():
            try:
                rows = _db_answer(db)
            except sqlite3.Error:
                rows = []
            if len(rows) >= 2:  # the answer is graded and the next question asked
                break
        time.sleep(0.2)
    else:
        proc.kill()
        pytest.fail("the first answer was not saved within 180 s")
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    rows = _db_answer(db)
    assert rows[0] == ("graded", answer)

    # Resuming is an ordinary run of the command: in this process, through its entry point.
    resumed = run_cli("resume", "--plain", input="Second answer about the topic.\n.\n/end\n")
    assert resumed.returncode == 0, resumed.stderr
    assert "Session summary" in resumed.stdout
    rows = _db_answer(db)
    assert rows[0] == ("graded", answer)
    assert rows[1][1] == "Second answer about the topic."


def test_resume_grades_an_answer_saved_just_before_a_crash(services: Services) -> None:
    iv = Interview.start(services, SessionConfig(questions=2, seed=9, followups=0))
    iv.next()
    turn = iv.turn
    assert turn is not None
    turn.answer = "An answer that was saved, then the process died before grading."
    turn.state = State.ANSWERED
    services.repo.save_turn(turn)
    again = Interview.resume(services, iv.id)
    step = again.next()
    assert step.grade is not None
    stored = services.repo.session(iv.id).turns[0]
    assert stored.state == "graded" and stored.answer == turn.answer and stored.grade


def test_ending_during_a_follow_up_shows_that_question_s_grade_in_line_mode(
        services: Services) -> None:
    import io

    from coach.cli.practice import run_line_mode

    iv = Interview.start(services, SessionConfig(question_ids=["bias-variance-tradeoff-1"],
                                                 questions=1, followups=2))
    out = io.StringIO()
    partial = ("Bias is when the model is too simple and variance is when it is too complex "
               "and overfits the training data.")
    run_line_mode(iv, io.StringIO(f"{partial}\n.\n/end\n"), out)
    text = out.getvalue()
    turn = services.repo.session(iv.id).turns[0]
    assert turn.followups and turn.followups[0].answer is None  # ended at the follow-up
    assert turn.state == State.GRADED and turn.score is not None
    assert f"Score: {turn.score:.1f}/5" in text
    assert text.index(f"Score: {turn.score:.1f}/5") < text.index("— Session summary —")
