"""The LLM judge's part of a grade is typed: grades saved with the old plain record load into
it and save back unchanged, and a judge failure is known by its status, not by wording."""

from __future__ import annotations

import json
from typing import Any

from coach.evals.grader_eval import Row
from coach.evals.judge_eval import LLMPredictor
from coach.grading.judge_verdict import JudgeStatus, JudgeVerdict
from coach.grading.models import Grade
from coach.grading.rubric import Rubric
from coach.providers.combine import fallback
from coach.providers.errors import ProviderUnavailable
from coach.reports.judge import point_judges, question_judge

POINT = {"id": "log-odds", "text": "The coefficient is on the log-odds scale", "weight": 1.0,
         "claimed": "stated", "status": "covered", "quote": "adds 0.7 to the log-odds",
         "source": "answer", "start": 19, "end": 43, "dropped": ""}
# The judge's record as the first coaches saved it: no wrong_claims yet.
OLD_COMBINED = {"provider": "compatible/qwen", "score": 3.0, "offline_score": 2.0,
                "combined": 2.5, "rule": "mean of offline and LLM judge",
                "gap": "Say what happens to the probability.", "points": [POINT], "dropped": 0}


def saved(**changes: Any) -> dict[str, Any]:
    grade = {"version": 2, "question_id": "logistic-regression-2", "kind": "technical",
             "score": 2.5, "level": "partial", "grader": "offline+llm", "llm": OLD_COMBINED,
             "feedback": ["To strengthen: Exponentiate it for the odds ratio."]}
    return grade | changes


def offline_grade() -> Grade:
    return Grade.model_validate(saved(grader="offline", llm=None, score=2.0))


def test_a_saved_grade_with_the_old_judge_record_loads_typed_and_saves_back_the_same() -> None:
    grade = Grade.model_validate(json.loads(json.dumps(saved())))
    assert isinstance(grade.llm, JudgeVerdict)
    assert grade.llm.status is JudgeStatus.COMBINED and grade.judge_status is JudgeStatus.COMBINED
    assert (grade.llm.score, grade.llm.offline_score, grade.llm.provider) == (
        3.0, 2.0, "compatible/qwen")
    assert grade.llm.points[0].quote == "adds 0.7 to the log-odds"
    assert grade.llm.wrong_claims == []
    # Saved again, the record has exactly the keys and values it was loaded with.
    assert grade.model_dump(mode="json")["llm"] == OLD_COMBINED
    judge = question_judge(grade)
    assert judge is not None and (judge.llm_score, judge.rule) == (
        3.0, "mean of offline and LLM judge")
    assert point_judges(grade)["log-odds"].verdict == "covered"


def test_a_saved_failure_loads_as_unavailable_with_its_reason_and_keeps_its_two_keys() -> None:
    record = {"provider": "openai/gpt-4o-mini", "error": "openai: no reply within 60 s"}
    grade = Grade.model_validate(saved(grader="offline (llm failed: timeout)", llm=record,
                                       score=2.0))
    assert grade.llm is not None and grade.llm.failed
    assert grade.judge_status is JudgeStatus.UNAVAILABLE
    assert (grade.llm.reason, grade.llm.error) == ("timeout", "openai: no reply within 60 s")
    assert grade.model_dump(mode="json")["llm"] == record
    judge = question_judge(grade)
    assert judge is not None and (judge.status, judge.reason) == ("unavailable", "timeout")
    assert point_judges(grade) == {}


def test_a_judge_failure_is_known_by_its_status_whatever_the_label_says() -> None:
    down = ProviderUnavailable("fake: no reply within 60 s", "timed out after 60 s")
    failed = fallback(offline_grade(), down, "fake")
    assert failed.llm is not None and failed.llm.status is JudgeStatus.UNAVAILABLE
    # Reword the label: the status, the report and the judge eval do not depend on it.
    relabelled = failed.model_copy(update={"grader": "offline grade (the judge was down)"})
    assert relabelled.judge_status is JudgeStatus.UNAVAILABLE
    judge = question_judge(relabelled)
    assert judge is not None and judge.reason == "timed out after 60 s"

    class Grader:
        def grade(self, rubric: Rubric, answer: str) -> Grade:
            return relabelled

    predictor = LLMPredictor(Grader())  # type: ignore[arg-type]
    row = Row("r1", "x", 2.0, 10.0, None, None)  # type: ignore[arg-type]
    assert predictor(row) == relabelled.score / 5 * 10 and predictor.failed == 1


def test_the_model_is_asked_for_the_verdict_under_its_old_name(kb) -> None:  # type: ignore[no-untyped-def]
    from coach.grading.rubric import rubric_for
    from coach.providers.fake import FakeProvider
    from coach.providers.judge import ask_judge

    fake = FakeProvider([{"points": []}])
    ask_judge(fake, rubric_for(kb.questions["logistic-regression-2"].question), "an answer")
    assert fake.history[0].schema == "JudgeVerdict"
