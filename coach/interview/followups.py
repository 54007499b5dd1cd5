"""Choose the next follow-up: a misconception challenge, a missed key point, a STAR gap."""

from __future__ import annotations

from dataclasses import dataclass

from coach.grading.models import Grade
from coach.knowledge.models import BehavioralQuestion, Question
from coach.prompts import render


@dataclass(frozen=True)
class FollowUp:
    kind: str  # "misconception" | "contradiction" | "missed" | "star"
    target: str  # key point id, STAR part, or the misconception claim
    text: str


def choose_followup(question: Question, grade: Grade, asked_targets: set[str]) -> FollowUp | None:
    """The most useful follow-up not asked yet, or None when nothing is worth asking."""
    key = question.id
    for hit in grade.misconceptions:
        if hit.claim not in asked_targets:
            quote = " ".join(hit.evidence.text.split())
            if len(quote) > 140:
                quote = quote[:137].rsplit(" ", 1)[0] + "…"
            return FollowUp("misconception", hit.claim,
                            render("followup_misconception", key + hit.claim, quote=quote))
    # A key point the answer contradicts is challenged next, in the candidate's own words and
    # without the right answer: before any missed point is probed.
    for k in sorted(grade.contradicted, key=lambda k: -k.weight):
        if k.id not in asked_targets and k.evidence is not None:
            quote = " ".join(k.evidence.text.split())
            if len(quote) > 140:
                quote = quote[:137].rsplit(" ", 1)[0] + "…"
            return FollowUp("contradiction", k.id,
                            render("followup_contradiction", key + k.id, quote=quote))
    if isinstance(question, BehavioralQuestion) and grade.star is not None:
        for part in grade.star.parts:
            if not part.present and part.part not in asked_targets:
                probe = getattr(question.star, part.part).probe
                return FollowUp("star", part.part,
                                render("followup_star", key + part.part, probe=probe))
    probes = {k.id: k.probe for k in question.key_points}
    missed = sorted((k for k in grade.key_points if k.verdict != "stated" and not k.prompted
                     and k.id not in asked_targets and probes.get(k.id)),
                    key=lambda k: (-k.weight, k.confidence))
    if missed:
        point = missed[0]
        return FollowUp("missed", point.id,
                        render("followup_missed", key + point.id, probe=probes[point.id]))
    return None
