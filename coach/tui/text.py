"""Pure functions that turn grades, turns and summaries into Markdown for the screens."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from coach.grading.models import Grade
from coach.interview.records import Turn
from coach.knowledge.models import BankQuestion
from coach.reports.grade_view import grade_view

BARS = "▁▂▃▄▅▆▇█"


def _quote(text: str, limit: int = 180) -> str:
    flat = " ".join(text.split())
    if len(flat) > limit:
        flat = flat[: limit - 1].rsplit(" ", 1)[0] + "…"
    # Keep the candidate's words from being read as Markdown syntax.
    for ch in "\\`*_[]<>#|":
        flat = flat.replace(ch, "\\" + ch)
    return flat


def grade_markdown(grade: Grade) -> str:
    """Feedback on one graded answer: covered and missed points with evidence, corrections."""
    view = grade_view(grade)
    lines = [f"**Score {grade.score:.1f}/5** — {grade.level}"]
    if view.graders is not None:
        lines[0] += f" · {_quote(view.graders, 400)}"
    if view.flags:
        lines.append(f"*Flags: {', '.join(view.flags)}*")
    if view.points:
        lines.append("")
        for kp in view.points:
            after = " *(after a follow-up)*" if kp.prompted else ""
            after += f" *({_quote(kp.judge_text)})*" if kp.judge_text else ""
            lines.append(f"- {kp.mark} **{kp.label}:** {kp.text}{after}")
            if kp.evidence is not None and kp.contradicts:
                lines.append(f"  > you said “{_quote(kp.evidence.text)}” — that contradicts it")
            elif kp.evidence is not None:
                lines.append(f"  > “{_quote(kp.evidence.text)}”")
            if kp.reference:
                lines.append(f"  > compare the model answer: “{_quote(kp.reference)}”")
            if kp.judge_quote is not None:
                gap = ["  >"] if lines[-1].startswith("  >") else []  # its own paragraph
                lines += [*gap, f"  > LLM judge quoted: “{_quote(kp.judge_quote.text)}”"]
    for hit in view.misconceptions:
        lines += ["", f"**{hit.label}:** “{_quote(hit.evidence.text)}”",
                  f"**Correction:** {hit.correction}"]
    if view.star is not None:
        star = view.star
        parts = ", ".join(f"{p.part} {p.mark}" for p in star.parts)
        lines += ["", f"**STAR:** {parts} · ownership: {star.ownership} · quantified "
                  f"result: {'yes' if star.quantified else 'no'} · reflection: "
                  f"{'yes' if star.reflection else 'no'}"]
    if view.code is not None:
        code = view.code
        if not code.parsed:
            lines += ["", f"**Code does not parse:** {_quote(code.error)}"]
        else:
            lines += ["", f"**Tests:** {code.passed}/{code.total} passed"]
            lines += [f"- {t.mark} {t.name}: {_quote(t.message)}" for t in code.failing]
    tips = [*view.notes, *view.advice]
    if tips:
        lines.append("")
        lines += [f"- {tip}" for tip in tips]
    return "\n".join(lines)


def turn_markdown(turn: Turn, question: BankQuestion | None, index: int,
                  model_answer: bool) -> str:
    """One question of the report: the prompt, the answers, the feedback, the model answer."""
    title = question.question.prompt if question else turn.question_id
    head = f"## {index}. {_quote(title, 400)}"
    meta = f"*{turn.track or '?'} · {question.kind if question else '?'} · " \
        f"{question.question.difficulty if question else '?'}*"
    lines = [head, meta, ""]
    if turn.skipped:
        lines.append("**Skipped.**")
    else:
        lines.append(f"**Your answer:** {_quote(turn.answer, 600) or '*(empty)*'}")
        for n, f in enumerate(turn.followups, start=1):
            lines.append(f"\n**Follow-up {n}:** {f.text}")
            lines.append(f"**You:** {_quote(f.answer, 400) if f.answer else '*(not answered)*'}")
        if turn.grade is not None:
            lines += ["", grade_markdown(turn.grade)]
    if model_answer and question is not None:
        lines += ["", "**Model answer**", "", question.question.model_answer.strip()]
    return "\n".join(lines)


def summary_markdown(summary: dict[str, Any]) -> str:
    lines = [f"# Session score {summary['score']:.1f}/5 — {summary['level']}",
             f"{summary['answered']} answered, {summary['skipped']} skipped of "
             f"{summary['questions']} asked.", ""]
    if summary.get("topics"):
        lines.append("**By topic:** " + ", ".join(f"{t} {s:.1f}"
                                                 for t, s in summary["topics"].items()))
    if summary.get("strengths"):
        lines.append("\n**Strengths:** " + ", ".join(summary["strengths"]))
    if summary.get("weaknesses"):
        lines.append("\n**Work on:** " + ", ".join(summary["weaknesses"]))
    if summary.get("top_missed"):
        lines += ["", "**Most important points missed:**"]
        lines += [f"- {text}" for text in summary["top_missed"]]
    return "\n".join(lines)


def sparkline(values: list[float], top: float = 5.0) -> str:
    """Scores as a row of bar characters, oldest first."""
    out = []
    for v in values:
        level = round(max(0.0, min(v, top)) / top * (len(BARS) - 1))
        out.append(BARS[level])
    return "".join(out)


def topic_mastery(turns: list[Turn]) -> dict[str, list[float]]:
    """Scores per topic in the order they were earned (turns come oldest first)."""
    by_topic: dict[str, list[float]] = defaultdict(list)
    for t in turns:
        if t.score is None or t.skipped:
            continue
        for topic in t.topics:
            by_topic[topic].append(float(t.score))
    return dict(sorted(by_topic.items()))


def clock_text(seconds: float) -> str:
    seconds = max(0, int(seconds))
    return f"{seconds // 60:02d}:{seconds % 60:02d}"
