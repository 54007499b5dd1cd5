"""`coach eval grader --provider ...`: predictions from the combined offline + LLM grade."""

from __future__ import annotations

import sys
from collections import Counter
from typing import TYPE_CHECKING

from coach.errors import ConfigError
from coach.evals.grader_eval import Row
from coach.grading.models import JudgeStatus
from coach.providers.combine import CombinedGrader

if TYPE_CHECKING:
    from coach.services import Services


class LLMPredictor:
    """Row -> combined score scaled to the row's maximum; counts how each row was graded."""

    def __init__(self, grader: CombinedGrader) -> None:
        self.grader = grader
        self.graders: Counter[str] = Counter()
        self.failed = 0

    def __call__(self, row: Row) -> float:
        grade = self.grader.grade(row.rubric, row.answer)
        if grade.judge_status is JudgeStatus.UNAVAILABLE:
            if not self.failed:
                print(f"warning: row {row.id}: {grade.grader} — the offline grade is used for "
                      "rows where the judge fails", file=sys.stderr)
            self.failed += 1
        self.graders[grade.grader] += 1
        return grade.score / 5.0 * row.max_score


def llm_predictor(svc: Services) -> LLMPredictor:
    chat = svc.chat
    if chat is None:
        raise ConfigError("--provider offline has no LLM judge — drop --provider for the "
                          "offline grader, or name one such as compatible/MODEL")
    return LLMPredictor(CombinedGrader(svc.grader, chat))
