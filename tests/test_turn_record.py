"""One typed turn record (issue 15 §2): what the repository saves and returns, what the engine
builds and what export and import move. A saved turn comes back as it went in (its grade a
`Grade`, its follow-ups records); history exported before the record existed still imports
whole, and the coach reads it as it did then."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from coach.errors import CoachError, StorageError
from coach.grading.models import (
    Feedback,
    FeedbackKind,
    Flag,
    Grade,
    KeyPointResult,
    MisconceptionHit,
    Quote,
)
from coach.history.transfer import export_history, import_history, read_export
from coach.interview.records import FollowUpRecord, InterviewRepository, Turn, TurnState
from coach.interview.review import record_review
from coach.storage.db import Database
from coach.storage.repo import Repository

OLD_EXPORT = Path(__file__).parent / "fixtures" / "export-before-turn-model.json"
QID = "bias-variance-tradeoff-1"
ANSWER = "Bias is error from wrong assumptions — “underfitting”; variance is sensitivity."


def repository(path: Path) -> InterviewRepository:
    return Repository(Database(path), grade=Grade)


def graded_turn(session_id: str, position: int = 0) -> Turn:
    grade = Grade(
        question_id=QID, kind="technical", score=2.6, level="partial", coverage=0.55,
        hints_used=1, flags=[Flag.UNFOCUSED],
        key_points=[
            KeyPointResult(id="bias", text="Bias is error from wrong assumptions.", weight=2.0,
                           status="covered", verdict="stated", confidence=0.91,
                           evidence=Quote(text="Bias is error from wrong assumptions",
                                          start=0, end=36)),
            KeyPointResult(id="tradeoff", text="Lowering one tends to raise the other.",
                           weight=1.0, status="missed", verdict="absent", confidence=0.08),
        ],
        misconceptions=[MisconceptionHit(
            claim="More data raises variance.", correction="More data lowers variance.",
            evidence=Quote(text="variance is sensitivity", start=57, end=80,
                           source="followup-1"), listed=False)],
        feedback=[Feedback(kind=FeedbackKind.COVERED, text="Covered: bias."),
                  Feedback(kind=FeedbackKind.STRENGTHEN, text="Say how the two trade off.")])
    return Turn(
        session_id=session_id, position=position, question_id=QID, state=TurnState.GRADED,
        answer=ANSWER, grade=grade, hints_used=1, track="fundamentals",
        topics=["bias-variance-tradeoff"], score=grade.score,
        started_at="2026-05-01T09:00:00+00:00", asked="Tell me about bias and variance.",
        followups=[FollowUpRecord(kind="missed", target="tradeoff",
                                  text="How do the two trade off?",
                                  answer="More data raises variance, I think."),
                   FollowUpRecord(kind="missed", target="bias", text="And bias?",
                                  answer=None)])


def test_a_turn_with_follow_ups_and_a_grade_comes_back_as_it_was_saved(tmp_path: Path) -> None:
    repo = repository(tmp_path / "coach.db")
    repo.create_session("s1", "ml-engineer", "practice", {"questions": 2}, {})
    turn = graded_turn("s1")
    repo.save_turn(turn)
    repo.save_turn(Turn(session_id="s1", position=1, question_id="pca-1",
                        state=TurnState.ASKING))
    loaded, asked = repo.session("s1").turns
    assert loaded == turn.model_copy(update={"updated_at": loaded.updated_at})
    assert isinstance(loaded.grade, Grade) and loaded.grade == turn.grade
    assert loaded.grade.feedback[1].kind is FeedbackKind.STRENGTHEN
    assert loaded.grade.flags == [Flag.UNFOCUSED]
    assert [f.answer for f in loaded.followups] == ["More data raises variance, I think.", None]
    assert loaded.state is TurnState.GRADED and loaded.updated_at
    assert asked.grade is None and asked.followups == [] and asked.started_at  # stamped
    assert repo.graded_turns() == [loaded]
    repo.db.close()


def test_a_turn_saved_before_the_record_existed_loads_without_a_migration(
        tmp_path: Path) -> None:
    """Rows as older coaches wrote them: a version-1 grade (statuses, no verdicts) and feedback
    texts without their kinds."""
    repo = repository(tmp_path / "coach.db")
    repo.create_session("s1", "ml-engineer", "practice", {}, {})
    old_grade = {"question_id": QID, "kind": "technical", "score": 3.0, "level": "good",
                 "key_points": [{"id": "bias", "text": "Bias.", "weight": 1.0,
                                 "status": "covered", "confidence": 0.8}],
                 "flags": ["keyword-list"], "feedback": ["Covered: bias.", "Add an example."]}
    with repo.db.transaction() as c:
        c.execute("INSERT INTO turns (session_id, position, question_id, state, answer, "
                  "followups, grade, hints_used, skipped, started_at, updated_at, track, topics,"
                  " score) VALUES ('s1', 0, ?, 'graded', 'a', ?, ?, 0, 0, ?, ?, '', '[]', 3.0)",
                  (QID, json.dumps([{"kind": "missed", "target": "bias", "text": "Why?",
                                     "answer": "Because."}]), json.dumps(old_grade),
                   "2025-01-01T00:00:00+00:00", "2025-01-01T00:00:00+00:00"))
    turn = repo.session("s1").turns[0]
    assert turn.grade is not None and turn.grade.key_points[0].verdict == "stated"
    assert [f.kind for f in turn.grade.feedback] == [FeedbackKind.COVERED, FeedbackKind.NOTE]
    assert turn.grade.flags == [Flag.KEYWORD_LIST]
    assert turn.followups == [FollowUpRecord(kind="missed", target="bias", text="Why?",
                                             answer="Because.")]
    assert turn.asked == ""
    repo.db.close()


def test_a_saved_grade_that_does_not_load_is_one_clear_line(tmp_path: Path) -> None:
    repo = repository(tmp_path / "coach.db")
    repo.create_session("s1", "ml-engineer", "practice", {}, {})
    repo.save_turn(graded_turn("s1"))
    with repo.db.transaction() as c:
        c.execute("UPDATE turns SET grade = ? WHERE session_id = 's1'",
                  (json.dumps({"question_id": QID, "kind": "technical", "score": 9.5,
                               "level": "strong"}),))
    with pytest.raises(StorageError) as err:
        repo.session("s1")
    message = str(err.value)
    assert "session s1, question 1 does not load (grade.score:" in message
    assert "upgrade coach" in message and "\n" not in message
    repo.db.close()


def _without_stamp(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k != "exported_at"}


def test_export_then_import_gives_the_same_turns(tmp_path: Path) -> None:
    source = repository(tmp_path / "a.db")
    target = repository(tmp_path / "b.db")
    for sid in ("s1", "s2"):
        source.create_session(sid, "ml-engineer", "practice", {"questions": 2}, {"plan": sid})
        source.save_turn(graded_turn(sid))
        source.save_turn(Turn(session_id=sid, position=1, question_id="pca-1",
                              state=TurnState.FOLLOWING_UP, answer="PCA rotates the axes.",
                              followups=[FollowUpRecord(kind="missed", target="variance",
                                                        text="Which axes?", answer=None)]))
    source.update_session("s1", status="finished", summary={"score": 2.6})
    record_review(source, QID, 2.6)
    source.save_draft("s2", 1, "the axes of largest vari")
    file = tmp_path / "history.json"
    file.write_text(json.dumps(export_history(source)), encoding="utf-8")

    result = import_history(target, read_export(file))
    assert (result.added, result.reviews, result.drafts) == (2, 1, 1)
    for sid in ("s1", "s2"):
        assert target.session(sid).turns == source.session(sid).turns
    assert _without_stamp(export_history(target)) == _without_stamp(export_history(source))
    source.db.close()
    target.db.close()


def _grade(data: dict[str, Any] | None) -> Grade | None:
    return Grade.model_validate(data) if data is not None else None


def _turns_in(data: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [(s["id"], t) for s in data["sessions"] for t in s["turns"]]


def test_an_export_made_before_the_turn_record_still_imports_whole(tmp_path: Path,
                                                                     kb: Any) -> None:
    from coach.interview.summary import session_summary

    old = json.loads(OLD_EXPORT.read_text(encoding="utf-8"))
    repo = repository(tmp_path / "coach.db")
    result = import_history(repo, read_export(OLD_EXPORT))
    assert (result.added, result.reviews, result.drafts) == (2, 2, 1)

    for sid, saved in _turns_in(old):
        turn = repo.session(sid).turns[saved["position"]]
        # every field as the file has it; the grade as the same Grade
        assert turn.model_dump(mode="json", exclude={"session_id", "grade"}) == {
            k: v for k, v in saved.items() if k != "grade"}
        assert turn.grade == (Grade.model_validate(saved["grade"]) if saved["grade"] else None)
    graded = repo.session(old["sessions"][0]["id"]).turns[0]
    assert graded.followups[1].answer and graded.hints_used == 1 and graded.grade is not None

    # Exported again, the history is the file it came from (grades compared as grades).
    before, after = copy.deepcopy(old), export_history(repo)
    grades = [[_grade(t.pop("grade")) for _, t in _turns_in(d)] for d in (before, after)]
    assert grades[0] == grades[1] and grades[0][0] is not None
    assert _without_stamp(after) == _without_stamp(before)

    # The engine reads the imported turns as the old coach did: the same session summary.
    finished = repo.session(old["sessions"][0]["id"])
    assert finished.status == "finished"
    assert session_summary(finished, kb) == old["sessions"][0]["summary"]
    repo.db.close()


@pytest.mark.parametrize("damage, message", [
    (lambda t: t.pop("answer"), "sessions[0].turns[0]: Value error, answer: Field required"),
    (lambda t: t.update(session_id="other"), "session_id: not part of an exported turn"),
    (lambda t: t["followups"][0].pop("answer"), "sessions[0].turns[0].followups[0].answer"),
    (lambda t: t.update(state="thinking"), "sessions[0].turns[0].state"),
    (lambda t: t.update(started_at=""), "sessions[0].turns[0].started_at"),
])
def test_an_export_turn_is_checked_as_strictly_as_before(tmp_path: Path, damage: Any,
                                                         message: str) -> None:
    data = json.loads(OLD_EXPORT.read_text(encoding="utf-8"))
    damage(data["sessions"][0]["turns"][0])
    file = tmp_path / "bad.json"
    file.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(CoachError) as err:
        read_export(file)
    assert message in str(err.value) and "nothing was imported" in str(err.value)
