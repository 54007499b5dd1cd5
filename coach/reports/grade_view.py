"""One view of a grade behind every renderer: the Markdown, HTML and JSON reports, line mode,
the TUI's feedback and its side panel.

The view decides what a grade shows: each key point's mark and label, which words are quoted
under it (and whether they say the opposite), when the model answer is offered to compare,
how the LLM judge's verdict reads, the STAR and test marks, which feedback lines are advice.
Renderers only lay the rows out in their own format.
"""

from __future__ import annotations

from dataclasses import dataclass

from coach.grading.feedback import advice
from coach.grading.models import Grade, Status, Verdict
from coach.reports.model import (
    CodeReport,
    Evidence,
    KeyPointReport,
    MisconceptionReport,
    PointJudge,
    QuestionJudge,
    QuestionReport,
    StarReport,
)
from coach.reports.parts import grade_parts
from coach.reports.text import judge_notes, judge_text


@dataclass(frozen=True)
class Look:
    """How a key point's verdict is shown."""

    mark: str
    """One symbol before the point."""
    label: str
    """The verdict in words."""
    lead: str
    """The verdict as a one-line view puts it before the point ('' when it is plain)."""


LOOK: dict[str, Look] = {
    "stated": Look("✓", "covered", ""),
    "partial": Look("~", "partly covered", "partly: "),
    "unverified": Look("?", "addressed, not verified", "addressed, not verified: "),
    "contradicted": Look("✗", "wrong", "WRONG: "),
    "absent": Look("·", "missed", "missed: "),
}
JUDGE_VERDICT: dict[str, Verdict] = {"covered": "stated", "partial": "partial",
                                     "missed": "absent", "contradicted": "contradicted"}
"""The LLM judge's checked statuses in the grader's verdicts, so both read the same."""
CHECK = {True: "✓", False: "✗"}
"""A STAR part present or not, a test passed or failed."""
MISCONCEPTION_LABEL = {True: "Misconception", False: "Wrong claim"}
JUDGE_PREFIX = "LLM judge: "


def point_judge_text(judge: PointJudge) -> str:
    """'LLM judge: partly covered', with why a claim was not accepted."""
    if judge.dropped and judge.claimed == "none":
        return JUDGE_PREFIX + "no verdict"
    word = LOOK[JUDGE_VERDICT[judge.verdict]].label
    if judge.dropped:
        return f"{JUDGE_PREFIX}{word} — claimed {judge.claimed}, dropped: {judge.dropped}"
    return JUDGE_PREFIX + word


@dataclass(frozen=True)
class PointRow:
    """One key point as every view shows it."""

    text: str
    verdict: Verdict
    status: Status
    mark: str
    label: str
    lead: str
    prompted: bool
    """Covered only after a follow-up asked for it."""
    evidence: Evidence | None
    """The candidate's words shown under the point (none for a missed point)."""
    contradicts: bool
    """The shown words say the opposite of the point."""
    reference: str | None
    """The model answer's words to compare with, offered for an unverified point."""
    judge: PointJudge | None
    judge_text: str | None
    judge_quote: Evidence | None


@dataclass(frozen=True)
class MisconceptionRow:
    label: str
    claim: str
    correction: str
    evidence: Evidence


@dataclass(frozen=True)
class StarPartRow:
    part: str
    present: bool
    mark: str
    presence: str
    """'yes', 'yes, after a follow-up' or 'no'."""
    evidence: Evidence | None
    judge_word: str | None
    """The LLM judge's verdict on the part without the 'LLM judge: ' prefix."""
    judge_quote: Evidence | None


@dataclass(frozen=True)
class StarView:
    parts: list[StarPartRow]
    ownership: str
    quantified: bool
    quantified_evidence: Evidence | None
    reflection: bool
    reflection_evidence: Evidence | None

    @property
    def judged(self) -> bool:
        return any(p.judge_word is not None for p in self.parts)


@dataclass(frozen=True)
class TestRow:
    name: str
    passed: bool
    mark: str
    message: str


@dataclass(frozen=True)
class CodeView:
    parsed: bool
    error: str
    passed: int
    total: int
    timed_out: bool
    tests: list[TestRow]

    @property
    def failing(self) -> list[TestRow]:
        return [t for t in self.tests if not t.passed]


@dataclass(frozen=True)
class GradeView:
    """A graded answer, decided once, for any renderer."""

    score: float | None
    level: str | None
    flags: list[str]
    points: list[PointRow]
    misconceptions: list[MisconceptionRow]
    star: StarView | None
    code: CodeView | None
    judge: QuestionJudge | None
    graders: str | None
    """Both graders side by side and the rule, when an LLM judge took part."""
    notes: list[str]
    """The LLM judge's remarks (its main gap, claims dropped)."""
    advice: list[str]
    """Feedback lines that say more than the rows (a report's view has none: its next steps
    take their place)."""


def grade_view(grade: Grade) -> GradeView:
    """The view of a grade as the grader returned or saved it (line mode, the TUI)."""
    parts = grade_parts(grade)
    return _view(grade.score, grade.level, parts.flags, parts.key_points, parts.misconceptions,
                 parts.star, parts.code, parts.judge,
                 advice(grade, judged=parts.judge is not None))


def question_view(q: QuestionReport) -> GradeView:
    """The view of a report's question (the Markdown and HTML reports)."""
    return _view(q.score, q.level, q.flags, q.key_points, q.misconceptions, q.star, q.code,
                 q.judge, [])


def _view(score: float | None, level: str | None, flags: list[str],
          points: list[KeyPointReport], misconceptions: list[MisconceptionReport],
          star: StarReport | None, code: CodeReport | None, judge: QuestionJudge | None,
          tips: list[str]) -> GradeView:
    return GradeView(
        score=score, level=level, flags=list(flags), points=[_point(k) for k in points],
        misconceptions=[MisconceptionRow(MISCONCEPTION_LABEL[m.listed], m.claim, m.correction,
                                         m.evidence) for m in misconceptions],
        star=_star(star) if star is not None else None,
        code=_code(code) if code is not None else None, judge=judge,
        graders=judge_text(judge, score) if judge is not None and score is not None else None,
        notes=judge_notes(judge) if judge is not None else [], advice=tips)


def _point(k: KeyPointReport) -> PointRow:
    look = LOOK[k.verdict]
    shown = k.evidence if k.verdict != "absent" else None
    return PointRow(
        text=k.text, verdict=k.verdict, status=k.status, mark=look.mark, label=look.label,
        lead=look.lead, prompted=k.prompted, evidence=shown,
        contradicts=k.verdict == "contradicted",
        reference=k.reference if k.verdict == "unverified" and k.reference else None,
        judge=k.judge, judge_text=point_judge_text(k.judge) if k.judge else None,
        judge_quote=k.judge.quote if k.judge else None)


def _star(s: StarReport) -> StarView:
    parts = [StarPartRow(
        part=p.part, present=p.present, mark=CHECK[p.present],
        presence=("yes, after a follow-up" if p.prompted else "yes") if p.present else "no",
        evidence=p.evidence,
        judge_word=point_judge_text(p.judge).removeprefix(JUDGE_PREFIX) if p.judge else None,
        judge_quote=p.judge.quote if p.judge else None) for p in s.parts]
    return StarView(parts=parts, ownership=s.ownership, quantified=s.quantified,
                    quantified_evidence=s.quantified_evidence, reflection=s.reflection,
                    reflection_evidence=s.reflection_evidence)


def _code(c: CodeReport) -> CodeView:
    return CodeView(parsed=c.parsed, error=c.error, passed=c.passed, total=c.total,
                    timed_out=c.timed_out,
                    tests=[TestRow(t.name, t.passed, CHECK[t.passed], t.message)
                           for t in c.tests])
