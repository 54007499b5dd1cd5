"""An answer as the grader reads it: split into units, screened, embedded."""

from __future__ import annotations

from dataclasses import dataclass

from coach.grading import signals
from coach.grading.features import FeatureExtractor, Prepared
from coach.grading.feedback import nothing_to_grade
from coach.grading.models import Grade, KeyPointResult
from coach.grading.rubric import Rubric
from coach.grading.text import Unit


@dataclass
class Answer:
    """One answer (or follow-up answer) read for grading; `prepared` is None when nothing in
    it can be graded (every unit was an instruction to the grader)."""

    raw: str
    units: list[Unit]
    prepared: Prepared | None
    source: str


class AnswerReader:
    """Splits answers into units, drops the ones that instruct the grader, embeds the rest."""

    def __init__(self, fx: FeatureExtractor) -> None:
        self.fx = fx

    def units(self, text: str, question: str) -> tuple[list[Unit], bool]:
        units, truncated = self.fx.unit_texts(text, question)
        return signals.drop_list_markers(units), truncated

    def read(self, text: str, rubric: Rubric, source: str, flags: list[str]) -> Answer:
        """The answer's gradable units; flags very-long and instructions-to-grader."""
        units, truncated = self.units(text, rubric.prompt)
        if truncated and "very-long" not in flags:
            flags.append("very-long")
        bad = set(signals.injection_units(units))
        if bad and "instructions-to-grader" not in flags:
            flags.append("instructions-to-grader")
        kept = [u for i, u in enumerate(units) if i not in bad]
        if not kept:
            return Answer(text, [], None, source)
        prep = self.fx.prepare(text, rubric.prompt, units=kept, truncated=truncated)
        return Answer(text, kept, prep, source)


def degenerate(text: str) -> str | None:
    """The flag of an answer with nothing to grade (empty, "I don't know", gibberish)."""
    if not text.strip():
        return "empty"
    if signals.is_idk(text):
        return "no-answer"
    if signals.is_gibberish(text):
        return "gibberish"
    return None


def zero_grade(rubric: Rubric, flag: str, hints_used: int) -> Grade:
    """No credit: every key point missed, with the one flag that says why."""
    return Grade(question_id=rubric.question_id, kind=rubric.kind, score=0.0,
                 level="no credit",
                 key_points=[KeyPointResult(id=p.id, text=p.text, weight=p.weight,
                                            status="missed", confidence=0.0,
                                            dimension=p.dimension) for p in rubric.points],
                 missed=[p.id for p in rubric.points], flags=[flag],
                 hints_used=hints_used, feedback=[nothing_to_grade(flag)])
