"""One rubric shape for every question: bank questions and ad-hoc ones with a reference."""

from __future__ import annotations

from dataclasses import dataclass, field

from coach.grading.text import split_units
from coach.knowledge.models import BehavioralQuestion, CodingQuestion, Question, StarRubric


@dataclass(frozen=True)
class RubricPoint:
    id: str
    text: str
    weight: float = 1.0
    probe: str = ""
    refs: tuple[str, ...] = ()
    cues: tuple[str, ...] = ()
    dimension: str | None = None

    @property
    def references(self) -> list[str]:
        return list(self.refs or (self.text,))


@dataclass(frozen=True)
class RubricMisconception:
    claim: str
    correction: str


@dataclass(frozen=True)
class Rubric:
    question_id: str
    kind: str
    prompt: str
    points: tuple[RubricPoint, ...]
    misconceptions: tuple[RubricMisconception, ...] = ()
    model_answer: str = ""
    star: StarRubric | None = None
    coding: CodingQuestion | None = None
    competencies: tuple[str, ...] = field(default_factory=tuple)


def rubric_for(question: Question) -> Rubric:
    points = tuple(
        RubricPoint(k.id, k.text, k.weight, k.probe, (k.text,), tuple(k.cues), k.dimension)
        for k in question.key_points
    )
    return Rubric(
        question_id=question.id,
        kind=question.kind,
        prompt=question.prompt,
        points=points,
        misconceptions=tuple(RubricMisconception(m.claim, m.correction)
                             for m in question.misconceptions),
        model_answer=question.model_answer,
        star=question.star if isinstance(question, BehavioralQuestion) else None,
        coding=question if isinstance(question, CodingQuestion) else None,
        competencies=tuple(question.competencies) if isinstance(question, BehavioralQuestion)
        else (),
    )


def adhoc_rubric(question: str, reference: str, *, references: list[str] | None = None,
                 key_points: list[str] | None = None, question_id: str = "adhoc") -> Rubric:
    """A rubric from a reference answer; key points come from the rubric list or its sentences."""
    if key_points:
        points = tuple(RubricPoint(f"kp{i + 1}", t, 1.0, "", (t,))
                       for i, t in enumerate(key_points) if t.strip())
    else:
        refs = [r for r in (references or []) if r.strip()] or [reference]
        sentences = [u.text for u in split_units(reference)]
        if len(sentences) <= 1:
            points = (RubricPoint("kp1", reference, 1.0, "", tuple(dict.fromkeys(refs))),)
        else:
            points = tuple(RubricPoint(f"kp{i + 1}", s, 1.0, "", (s,))
                           for i, s in enumerate(sentences))
    return Rubric(question_id=question_id, kind="technical", prompt=question, points=points,
                  model_answer=reference)
