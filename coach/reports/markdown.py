"""The report as Markdown: readable as plain text, and rendered nicely by any viewer."""

from __future__ import annotations

from coach.reports.grade_view import GradeView, question_view
from coach.reports.model import QuestionReport, Report
from coach.reports.safe_text import markdown_text, visible
from coach.reports.text import (
    KIND_WORD,
    blocks,
    date_of,
    judge_cell,
    one_line,
    overall_judge_text,
    overall_kind,
    score_text,
    source_label,
)


def _quote_block(text: str) -> list[str]:
    """The user's text quoted line by line, shown as typed (never as Markdown or HTML)."""
    body = text.strip("\n")
    if not body.strip():
        return ["> (no answer)"]
    return ["> " + markdown_text(line) if line.strip() else ">" for line in body.splitlines()]


def _md_inline(text: str) -> str:
    """The coach's own text for a table cell or list item: one line, pipes escaped."""
    return visible(one_line(text)).replace("|", "\\|")


def _md_user(text: str) -> str:
    """Text that came from the user or an LLM, inline: shown as typed, never run."""
    return markdown_text(one_line(text)).replace("|", "\\|")


def _md_code(text: str) -> str:
    """Text for an inline code span: one line, and no backtick that could close it."""
    return visible(one_line(text)).replace("`", "'")


def render_markdown(report: Report) -> str:
    s = report.session
    out = [f"# Interview report — session {_md_user(s.id)}", ""]
    judge = report.overall.judge
    out += [f"- **Overall:** {score_text(report.overall.score, report.overall.level)}"
            + (f", {overall_kind(judge)}" if judge else "")]
    if judge is not None:
        out.append(f"- **Graders:** {overall_judge_text(judge, s.answered)}")
    out += [
            f"- **Role:** {_md_user(s.role)} · **mode:** {_md_user(s.mode)} · **status:** "
            f"{_md_user(s.status)}",
            f"- **Date:** {date_of(s.created_at)} UTC"
            + (f" (finished {date_of(s.finished_at)})" if s.finished_at else ""),
            f"- **Questions:** {s.answered} answered, {s.skipped} skipped, {s.planned} planned",
            ""]
    out += ["## Summary", ""]
    judged = judge is not None
    out += (["| # | Question | Kind | Offline | LLM judge | Score |", "|---|---|---|---|---|---|"]
            if judged else ["| # | Question | Kind | Score |", "|---|---|---|---|"])
    for q in report.questions:
        score = score_text(q.score, q.level) if q.status == "graded" else q.status
        graders = ""
        if judged and q.status == "graded":
            offline = q.judge.offline_score if q.judge else q.score or 0.0
            graders = f"{offline:.1f} | {_md_user(judge_cell(q.judge))} | "
        elif judged:
            graders = "| | "
        out.append(f"| {q.position} | [{_md_user(q.question_id)}](#q{q.position}) | "
                   f"{KIND_WORD.get(q.kind, q.kind)} | {graders}{score} |")
    out.append("")
    if report.topics:
        out += ["### By topic", "", "| Topic | Questions | Score | Level |", "|---|---|---|---|"]
        for t in report.topics:
            out.append(f"| {_md_user(t.topic)} | {t.questions} | {t.score:.1f} | {t.level} |")
        out.append("")
    out.append("**Strengths:** " + (_md_user(", ".join(report.strengths))
                                    or "none yet (no topic at 3.5 or above)"))
    out.append("")
    out.append("**To work on:** " + (_md_user(", ".join(report.weaknesses))
                                     or "no topic below 3.0"))
    out.append("")
    out += ["## Next steps", ""]
    for i, step in enumerate(report.next_steps, 1):
        cmd = f" — `{_md_code(step.command)}`" if step.command else ""
        out.append(f"{i}. {_md_user(step.text)}{cmd}")
    out.append("")
    out += ["## Questions", ""]
    for q in report.questions:
        out += _question(q)
    out.append(f"_Report schema {report.schema_}, generated {date_of(report.generated_at)} "
               "UTC by coach._")
    return "\n".join(out) + "\n"


def _question(q: QuestionReport) -> list[str]:
    view = question_view(q)
    out = [f'<a id="q{q.position}"></a>', "",
           f"### {q.position}. {_md_user(q.question_id)} — {_status(q)}",
           "",
           f"*{_md_user(KIND_WORD.get(q.kind, q.kind))} · {_md_user(q.track)} · "
           f"{_md_user(q.difficulty or '?')}"
           + (f" · topics: {_md_user(', '.join(q.topics))}" if q.topics else "") + "*", ""]
    if view.graders is not None:
        out += [f"**Graders:** {_md_user(view.graders)}", ""]
    out += ["**Question.** " + _md_inline(q.prompt), "", "**Your answer:**", ""]
    out += [*_quote_block(q.answer), ""]
    if q.hints_used:
        out += [f"Hints used: {q.hints_used}", ""]
    for i, f in enumerate(q.followups, 1):
        out += [f"**Follow-up {i}** ({f.kind}). {_md_user(f.text)}", ""]
        out += _quote_block(f.answer) if f.answer else ["> (not answered)"]
        out.append("")
    if view.points:
        out += ["**Key points**", ""]
        for k in view.points:
            tag = " — after a follow-up" if k.prompted else ""
            llm = f" ({_md_user(k.judge_text)})" if k.judge_text else ""
            out.append(f"- {k.mark} **{k.label}**{tag}{llm}: {_md_inline(k.text)}")
            if k.evidence is not None and k.contradicts:
                out.append(f"  - {source_label(k.evidence)} says the opposite: "
                           f"“{_md_user(k.evidence.text)}”")
            elif k.evidence is not None:
                out.append(f"  - {source_label(k.evidence)}: “{_md_user(k.evidence.text)}”")
            if k.reference:
                out.append(f"  - compare the model answer: “{_md_user(k.reference)}”")
            if k.judge_quote is not None:
                out.append(f"  - LLM judge quoted {source_label(k.judge_quote)}: "
                           f"“{_md_user(k.judge_quote.text)}”")
        out.append("")
    out += [*[f"*{_md_user(n)}*" for n in view.notes], ""] if view.notes else []
    if view.misconceptions:
        out += ["**Misconceptions**", ""]
        for m in view.misconceptions:
            out.append(f"- ✗ {source_label(m.evidence)}: “{_md_user(m.evidence.text)}”")
            out.append(f"  - Correction: {_md_inline(m.correction)}")
        out.append("")
    out += _code(view)
    out += _star(view)
    if view.flags:
        out += ["**Flags:** " + _md_user(", ".join(view.flags)), ""]
    if q.model_answer:
        out += ["**Model answer**", ""]
        for kind, text in blocks(q.model_answer):
            out += (["```python", text, "```", ""] if kind == "code" else [text, ""])
    if q.study:
        out.append("**Study:** " + " · ".join(f"[{link.title}]({link.href})"
                                              for link in q.study))
        out.append("")
    if q.review_due:
        out += [f"Comes back for review on {q.review_due[:10]}.", ""]
    return out


def _status(q: QuestionReport) -> str:
    return score_text(q.score, q.level) if q.status == "graded" else q.status


def _code(view: GradeView) -> list[str]:
    c = view.code
    if c is None:
        return []
    if not c.parsed:
        return [f"**Code:** does not parse — {_md_user(c.error)}", ""]
    out = [f"**Tests:** {c.passed}/{c.total} passed"
           + (" (timed out)" if c.timed_out else "") + (f" — {_md_user(c.error)}"
                                                       if c.error else ""), ""]
    for t in c.tests:
        out.append(f"- {t.mark} {t.name}"
                   + (f": {_md_user(t.message)}" if t.message and not t.passed else ""))
    return [*out, ""]


def _star(view: GradeView) -> list[str]:
    s = view.star
    if s is None:
        return []
    judged = s.judged
    out = (["**STAR**", "", "| Part | Present | Evidence | LLM judge |", "|---|---|---|---|"]
           if judged else ["**STAR**", "", "| Part | Present | Evidence |", "|---|---|---|"])
    for p in s.parts:
        ev = f"“{_md_user(p.evidence.text)}”" if p.evidence else ""
        llm = ""
        if judged:
            llm = (_md_user(p.judge_word)
                   + (f" — “{_md_user(p.judge_quote.text)}”" if p.judge_quote else "")
                   if p.judge_word is not None else "–") + " |"
        out.append(f"| {p.part} | {p.presence} | {ev} |" + (f" {llm}" if llm else ""))
    out.append("")
    out.append(f"Ownership: **{s.ownership}** · measured result: "
               f"**{'yes' if s.quantified else 'no'}** · reflection: "
               f"**{'yes' if s.reflection else 'no'}**")
    return [*out, ""]
