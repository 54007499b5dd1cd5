"""Plain-text rendering of grades and summaries for the CLI and line mode."""

from __future__ import annotations

from typing import Any

from coach.grading.models import Grade
from coach.reports.grade_view import grade_view
from coach.reports.safe_text import visible


def _quoted(text: str, limit: int = 160) -> str:
    quote = " ".join(text.split())
    return f"“{quote[:limit]}{'…' if len(quote) > limit else ''}”"


def grade_lines(grade: Grade) -> list[str]:
    view = grade_view(grade)
    lines = [f"Score: {grade.score:.1f}/5 ({grade.level})"]
    if view.graders is not None:
        lines.append(f"  Graders: {view.graders}")
    if view.flags:
        lines.append("Flags: " + ", ".join(view.flags))
    for kp in view.points:
        tag = " (after a follow-up)" if kp.prompted else ""
        lines.append(f"  {kp.mark} {kp.lead}{kp.text}{tag}"
                     + (f" [{kp.judge_text}]" if kp.judge_text else ""))
        if kp.evidence is not None and kp.contradicts:
            lines.append(f"      you said {_quoted(kp.evidence.text)} — that contradicts it")
        elif kp.evidence is not None:
            lines.append(f"      {_quoted(kp.evidence.text)}")
        if kp.reference:
            lines.append(f"      compare the model answer: {_quoted(kp.reference)}")
        if kp.judge_quote is not None:
            lines.append(f"      LLM judge quoted: {_quoted(kp.judge_quote.text)}")
    for m in view.misconceptions:
        lines.append(f"  ! {m.label}: “{' '.join(m.evidence.text.split())[:140]}”")
        lines.append(f"      Correction: {m.correction}")
    if view.star is not None:
        s = view.star
        parts = ", ".join(f"{p.part} {p.mark}" for p in s.parts)
        lines.append(f"  STAR: {parts}; ownership: {s.ownership}; "
                     f"quantified result: {'yes' if s.quantified else 'no'}; "
                     f"reflection: {'yes' if s.reflection else 'no'}")
    if view.code is not None:
        c = view.code
        if not c.parsed:
            lines.append(f"  Code does not parse: {c.error}")
        else:
            lines.append(f"  Tests: {c.passed}/{c.total} passed" + (f" — {c.error}" if c.error
                                                                     else ""))
            lines += [f"    {t.mark} {t.name}: {t.message}" for t in c.failing]
    lines += [f"  • {line}" for line in [*view.notes, *view.advice]]
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
