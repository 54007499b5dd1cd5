"""Plain-text rendering of grades and summaries for the CLI and line mode."""

from __future__ import annotations

from typing import Any

from coach.grading.feedback import advice
from coach.grading.models import Grade
from coach.reports.judge import point_judges, question_judge
from coach.reports.safe_text import visible
from coach.reports.text import judge_notes, judge_text, point_judge_text

MARK = {"stated": "✓", "partial": "~", "unverified": "?", "contradicted": "✗",
        "absent": "·"}
WORD = {"stated": "", "partial": "partly: ", "unverified": "addressed, not verified: ",
        "contradicted": "WRONG: ", "absent": "missed: "}


def _quoted(text: str, limit: int = 160) -> str:
    quote = " ".join(text.split())
    return f"“{quote[:limit]}{'…' if len(quote) > limit else ''}”"


def grade_lines(grade: Grade) -> list[str]:
    lines = [f"Score: {grade.score:.1f}/5 ({grade.level})"]
    judge = question_judge(grade)
    if judge is not None:
        lines.append(f"  Graders: {judge_text(judge, grade.score)}")
    if grade.flags:
        lines.append("Flags: " + ", ".join(grade.flags))
    points = point_judges(grade)
    for kp in grade.key_points:
        tag = " (after a follow-up)" if kp.prompted else ""
        llm = points.get(kp.id)
        lines.append(f"  {MARK[kp.verdict]} {WORD[kp.verdict]}{kp.text}{tag}"
                     + (f" [{point_judge_text(llm)}]" if llm else ""))
        if kp.evidence is not None and kp.verdict == "contradicted":
            lines.append(f"      you said {_quoted(kp.evidence.text)} — that contradicts it")
        elif kp.evidence is not None and kp.verdict != "absent":
            lines.append(f"      {_quoted(kp.evidence.text)}")
        if kp.verdict == "unverified" and kp.reference:
            lines.append(f"      compare the model answer: {_quoted(kp.reference)}")
        if llm is not None and llm.quote is not None:
            lines.append(f"      LLM judge quoted: {_quoted(llm.quote.text)}")
    for m in grade.misconceptions:
        label = "Misconception" if m.listed else "Wrong claim"
        lines.append(f"  ! {label}: “{' '.join(m.evidence.text.split())[:140]}”")
        lines.append(f"      Correction: {m.correction}")
    if grade.star is not None:
        parts = ", ".join(f"{p.part} {'✓' if p.present else '✗'}" for p in grade.star.parts)
        lines.append(f"  STAR: {parts}; ownership: {grade.star.ownership}; "
                     f"quantified result: {'yes' if grade.star.quantified else 'no'}; "
                     f"reflection: {'yes' if grade.star.reflection else 'no'}")
    if grade.code is not None:
        c = grade.code
        if not c.parsed:
            lines.append(f"  Code does not parse: {c.error}")
        else:
            lines.append(f"  Tests: {c.passed}/{c.total} passed" + (f" — {c.error}" if c.error
                                                                     else ""))
            for t in c.tests:
                if not t.passed:
                    lines.append(f"    ✗ {t.name}: {t.message}")
    if judge is not None:
        lines += [f"  • {note}" for note in judge_notes(judge)]
    lines += [f"  • {tip}" for tip in advice(grade, judged=judge is not None)]
    return lines



def print_grade(grade: Grade) -> None:
    # The lines quote the answer: no escape sequence in it reaches the terminal.
    print(visible("\n".join(grade_lines(grade))))


def summary_lines(summary: dict[str, Any]) -> list[str]:
    lines = [f"Session score: {summary['score']:.1f}/5 ({summary['level']}) — "
             f"{summary['answered']} answered, {summary['skipped']} skipped"]
    judge = summary.get("judge")
    if judge:
        graders = (f"Graders: combined offline grader and LLM judge on {judge['combined']} "
                   f"answer(s); offline mean {judge['offline_score']:.1f}")
        if judge.get("llm_score") is not None:
            graders += f", LLM judge mean {judge['llm_score']:.1f}"
        if judge["unavailable"]:
            graders += (f"; LLM judge unavailable on {judge['unavailable']} answer(s), "
                        "offline grade used")
        lines.append(graders)
    if summary["topics"]:
        lines.append("By topic: " + ", ".join(f"{t} {s:.1f}" for t, s in
                                               summary["topics"].items()))
    if summary["strengths"]:
        lines.append("Strengths: " + ", ".join(summary["strengths"]))
    if summary["weaknesses"]:
        lines.append("Work on: " + ", ".join(summary["weaknesses"]))
    if summary["study_notes"]:
        lines.append("Study: " + ", ".join(summary["study_notes"]))
    return lines
