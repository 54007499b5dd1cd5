"""Typed flags and feedback: what line mode and the TUI show does not hang on the wording of a
feedback line, and grades saved before the kinds existed still load and read the same."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import ValidationError

from coach.cli.render import grade_lines
from coach.grading.judge_verdict import JudgeVerdict
from coach.grading.models import Feedback, FeedbackKind, Flag, Grade, JudgeStatus
from coach.tui.text import grade_markdown

KEYWORDS = "A list of terms is not an explanation — say how the ideas connect."
JUDGE_LINE = "Score 2.5: offline grader 2.0, LLM judge 3.0 (fake); mean of offline and LLM judge."


def saved_before_kinds() -> dict[str, Any]:
    """A grade as an older coach stored it: feedback texts only, flags as strings."""
    return {
        "version": 2, "question_id": "logistic-regression-2", "kind": "technical",
        "score": 2.5, "level": "partial", "flags": ["keyword-list"], "grader": "offline+llm",
        "key_points": [{"id": "log-odds", "text": "The coefficient is on the log-odds scale",
                        "weight": 1.0, "status": "covered", "verdict": "stated",
                        "confidence": 0.9}],
        "feedback": [KEYWORDS, "Covered: The coefficient is on the log-odds scale.",
                     "To strengthen: Exponentiate it for the odds ratio.",
                     "Misconception: “it is a probability” — it is on the log-odds scale",
                     JUDGE_LINE],
        "llm": {"provider": "fake", "score": 3.0, "offline_score": 2.0, "combined": 2.5,
                "rule": "mean of offline and LLM judge", "points": []},
    }


def test_a_grade_saved_before_kinds_existed_shows_the_same_advice() -> None:
    grade = Grade.model_validate(saved_before_kinds())
    assert grade.flags == [Flag.KEYWORD_LIST]
    shown = "\n".join(grade_lines(grade))
    screen = grade_markdown(grade)
    for view in (shown, screen):
        assert KEYWORDS in view and "To strengthen: Exponentiate it" in view
        # Restated by the key point and misconception sections, not again as advice.
        assert "Covered: The coefficient" not in view
        assert "Misconception: “it is a probability”" not in view
        # The judge's part is shown in its own line, not as a copy of the feedback line.
        assert JUDGE_LINE not in view and "LLM judge" in view


def test_feedback_kinds_survive_saving_and_views_follow_the_kind_not_the_words() -> None:
    data = saved_before_kinds()
    data["feedback"] = []
    grade = Grade.model_validate(data).model_copy(update={"feedback": [
        Feedback(kind=FeedbackKind.COVERED, text="You explained the log-odds scale."),
        Feedback(kind=FeedbackKind.STRENGTHEN, text="Next time, give the odds ratio."),
    ]})
    stored = json.loads(grade.model_dump_json())
    # Same shape as before for every reader: texts in `feedback`, flags as their strings.
    assert stored["feedback"] == ["You explained the log-odds scale.",
                                  "Next time, give the odds ratio."]
    assert stored["feedback_kinds"] == ["covered", "strengthen"]
    assert stored["flags"] == ["keyword-list"]
    reloaded = Grade.model_validate(stored)
    assert reloaded.feedback == grade.feedback
    for view in ("\n".join(grade_lines(reloaded)), grade_markdown(reloaded)):
        assert "Next time, give the odds ratio." in view
        assert "You explained the log-odds scale." not in view


def test_kinds_that_do_not_match_their_texts_fall_back_to_the_wording() -> None:
    data = saved_before_kinds()
    data["feedback_kinds"] = ["flag"]  # one kind for five lines: not trusted
    grade = Grade.model_validate(data)
    assert [f.kind for f in grade.feedback] == [
        FeedbackKind.NOTE, FeedbackKind.COVERED, FeedbackKind.NOTE,
        FeedbackKind.MISCONCEPTION, FeedbackKind.JUDGE]


def test_an_unknown_flag_is_refused() -> None:
    data = saved_before_kinds() | {"flags": ["keyword-lists"]}
    with pytest.raises(ValidationError):
        Grade.model_validate(data)


def test_judge_status_reads_the_verdict_not_the_label() -> None:
    combined = Grade.model_validate(saved_before_kinds())
    assert combined.judge_status is JudgeStatus.COMBINED
    failed = combined.model_copy(update={"grader": "offline (llm failed: timed out)",
                                         "llm": JudgeVerdict.model_validate(
                                             {"provider": "fake", "error": "timed out"})})
    assert failed.judge_status is JudgeStatus.UNAVAILABLE
    assert combined.model_copy(update={"llm": None}).judge_status is None
