"""One rubric shape for every question: bank questions and ad-hoc ones with a reference."""

from __future__ import annotations

import re
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


_STORY = re.compile(
    r"\b(tell me about|describe|walk me through|give (me )?an example of|share|talk about)\b"
    r".{0,60}\b(a time|an? (situation|occasion|instance|project|moment|experience|case|"
    r"example|conflict|failure|mistake|decision)|when you|the (hardest|toughest|biggest|most))"
    r"|\bhave you ever\b|\btell me about yourself\b", re.IGNORECASE)


def asks_for_story(question: str) -> bool:
    """Whether a question asks for the candidate's own story (graded with STAR)."""
    return bool(_STORY.search(question))


def adhoc_rubric(question: str, reference: str, *, references: list[str] | None = None,
                 key_points: list[str] | None = None, question_id: str = "adhoc") -> Rubric:
    """A rubric from a reference answer; key points come from the rubric list or its sentences.

    A question that asks for a story is behavioral: graded on STAR, ownership, a quantified
    result and reflection, with the listed key points (if any) as a quarter of the score."""
    if asks_for_story(question):
        kps = tuple(RubricPoint(f"kp{i + 1}", t, 1.0, "", (t,))
                    for i, t in enumerate(key_points or []) if t.strip())
        return Rubric(question_id=question_id, kind="behavioral", prompt=question, points=kps,
                      model_answer=reference)
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
