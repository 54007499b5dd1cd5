"""A grade's facts as the report's typed parts (key points, misconceptions, code, STAR, judge):
what the JSON report holds for a graded answer, and what every grade view is built from."""

from __future__ import annotations

from dataclasses import dataclass

from coach.grading.models import Grade, Quote
from coach.reports.judge import point_judges, question_judge
from coach.reports.model import (
    CodeReport,
    Evidence,
    KeyPointReport,
    MisconceptionReport,
    QuestionJudge,
    StarPartReport,
    StarReport,
    TestReport,
    VerifierReport,
)


@dataclass(frozen=True)
class GradeParts:
    """One grade in the report's terms."""

    key_points: list[KeyPointReport]
    misconceptions: list[MisconceptionReport]
    code: CodeReport | None
    star: StarReport | None
    judge: QuestionJudge | None
    flags: list[str]
    feedback: list[str]


def evidence(quote: Quote | None) -> Evidence | None:
    if quote is None:
        return None
    return Evidence(text=quote.text, source=quote.source)


def grade_parts(grade: Grade) -> GradeParts:
    judges = point_judges(grade)
    points = [KeyPointReport(
        id=k.id, text=k.text, weight=k.weight, status=k.status, verdict=k.verdict,
        verifier=VerifierReport(**k.verifier.model_dump()) if k.verifier else None,
        reference=k.reference, confidence=k.confidence, prompted=k.prompted,
        evidence=evidence(k.evidence) if k.verdict != "absent" else None,
        judge=judges.get(k.id)) for k in grade.key_points]
    misconceptions = [MisconceptionReport(claim=m.claim, correction=m.correction,
                                          evidence=Evidence(text=m.evidence.text,
                                                            source=m.evidence.source),
                                          listed=m.listed)
                      for m in grade.misconceptions]
    code = None
    if grade.code is not None:
        c = grade.code
        code = CodeReport(parsed=c.parsed, error=c.error, passed=c.passed, total=c.total,
                          timed_out=c.timed_out,
                          tests=[TestReport(name=t.name, passed=t.passed, message=t.message)
                                 for t in c.tests])
    star = None
    if grade.star is not None:
        s = grade.star
        star = StarReport(
            parts=[StarPartReport(part=p.part, present=p.present, prompted=p.prompted,
                                  evidence=evidence(p.evidence), judge=judges.get(p.part))
                   for p in s.parts],
            ownership=s.ownership, quantified=s.quantified,
            quantified_evidence=evidence(s.quantified_evidence),
            reflection=s.reflection, reflection_evidence=evidence(s.reflection_evidence))
    return GradeParts(key_points=points, misconceptions=misconceptions, code=code, star=star,
                      judge=question_judge(grade), flags=[str(f) for f in grade.flags],
                      feedback=[line.text for line in grade.feedback])
