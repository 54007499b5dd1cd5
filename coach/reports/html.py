"""The report as one self-contained HTML file: inline CSS and SVG, no scripts, no network."""

from __future__ import annotations

from html import escape

from coach.reports import svg
from coach.reports.grade_view import GradeView, question_view
from coach.reports.model import Evidence, QuestionReport, Report
from coach.reports.safe_text import valid_unicode, visible
from coach.reports.style import CSS, JUDGE_CSS
from coach.reports.text import (
    KIND_WORD,
    blocks,
    date_of,
    judge_cell,
    overall_judge_text,
    overall_kind,
    score_text,
    source_label,
)


def _e(text: str | None) -> str:
    # Control characters (ESC, NUL, ...) show as symbols; the rest is escaped as HTML.
    return escape(visible(valid_unicode(text or "")), quote=True)


def _pill(score: float | None, level: str | None) -> str:
    return (f'<span class="pill" style="background:{svg.colour(level)}">'
            f"{_e(score_text(score, level))}</span>")


def _evidence(ev: Evidence | None, by: str = "") -> str:
    if ev is None:
        return ""
    css = ' class="judge"' if by else ""
    return (f'<blockquote{css}>“{_e(" ".join(ev.text.split()))}” '
            f'<span class="source">— {_e(by)}{_e(source_label(ev))}</span></blockquote>')


def render_html(report: Report) -> str:
    s = report.session
    title = f"Interview report — session {s.id}"
    judged = report.overall.judge is not None
    body = [f"<header><h1>{_e(title)}</h1>",
            f'<p class="meta">{_e(date_of(s.created_at))} UTC · role {_e(s.role)} · '
            f"{_e(s.mode)} · {_e(s.status)} · {s.answered} answered, {s.skipped} skipped, "
            f"{s.planned} planned</p></header>"]
    body.append(_overall(report))
    body.append(_toc(report))
    body.append('<section id="summary"><h2>Score per question</h2>')
    body.append(svg.question_bars([(f"Q{q.position}", q.score if q.status == "graded"
                                    else None, q.level) for q in report.questions]))
    body.append("</section>")
    body.append(_topics(report))
    body.append(_strengths(report))
    body.append(_steps(report))
    body.append('<section id="questions"><h2>Questions</h2>')
    body.extend(_question(q) for q in report.questions)
    body.append("</section>")
    body.append(f'<p class="footer">Report schema {_e(report.schema_)} · generated '
                f"{_e(date_of(report.generated_at))} UTC by coach.</p>")
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            # Forbid every fetch: the report must read the same offline and leak nothing.
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
            "style-src 'unsafe-inline'; img-src data:\">"
            f"<title>{_e(title)}</title><style>{CSS}{JUDGE_CSS if judged else ''}</style>"
            "</head><body><main>"
            + "".join(body) + "</main></body></html>\n")


def _overall(report: Report) -> str:
    o = report.overall
    big = f"{o.score:.1f}" if o.score is not None else "–"
    judge = ""
    if o.judge is not None:
        judge = (f'<div class="judge">{_e(overall_kind(o.judge))}: '
                 f"{_e(overall_judge_text(o.judge, report.session.answered))}</div>")
    return (f'<section class="overall" id="overall"><div class="big" '
            f'style="color:{svg.colour(o.level)}">{big}<small>/5</small></div>'
            f'<div><div class="level">Overall: {_e(o.level or "not graded")}</div>'
            f'<div class="meta">mean of {report.session.answered} graded answer(s)</div>'
            f"{judge}</div></section>")


def _toc(report: Report) -> str:
    links = "".join(f'<li><a href="#q{q.position}">{q.position}. {_e(q.question_id)}</a> '
                    f"{_pill(q.score, q.level) if q.status == 'graded' else _e(q.status)}"
                    f"{_toc_judge(q)}</li>" for q in report.questions)
    return f'<nav class="toc"><ol>{links}</ol></nav>'


def _toc_judge(q: QuestionReport) -> str:
    if q.judge is None:
        return ""
    return (f' <span class="meta">offline {q.judge.offline_score:.1f} · LLM judge '
            f"{_e(judge_cell(q.judge))}</span>")


def _topics(report: Report) -> str:
    if not report.topics:
        return '<section id="topics"><h2>By topic</h2><p>No graded answers yet.</p></section>'
    rows = "".join(f"<tr><td>{_e(t.topic)}</td><td>{t.questions}</td><td>{t.score:.1f}</td>"
                   f"<td>{_e(t.level)}</td><td>{_e(t.description)}</td></tr>"
                   for t in report.topics)
    chart = svg.topic_bars([(visible(valid_unicode(t.topic)), t.score, t.level)
                            for t in report.topics])
    return (f'<section id="topics"><h2>By topic</h2>{chart}<table><thead><tr><th>Topic</th>'
            "<th>Questions</th><th>Score</th><th>Level</th><th>About</th></tr></thead>"
            f"<tbody>{rows}</tbody></table></section>")


def _strengths(report: Report) -> str:
    good = ", ".join(_e(t) for t in report.strengths) or "none yet (no topic at 3.5 or above)"
    bad = ", ".join(_e(t) for t in report.weaknesses) or "no topic below 3.0"
    return (f'<section id="strengths"><h2>Strengths and weaknesses</h2>'
            f"<p><strong>Strengths:</strong> {good}</p>"
            f"<p><strong>To work on:</strong> {bad}</p></section>")


def _steps(report: Report) -> str:
    items = "".join(f"<li>{_e(s.text)}" + (f" — <code>{_e(s.command)}</code>"
                                            if s.command else "") + "</li>"
                    for s in report.next_steps)
    return f'<section id="next-steps"><h2>Next steps</h2><ol class="steps">{items}</ol></section>'


def _question(q: QuestionReport) -> str:
    view = question_view(q)
    status = _pill(q.score, q.level) if q.status == "graded" else f"<em>{_e(q.status)}</em>"
    out = [f'<article class="question" id="q{q.position}"><header><h3>{q.position}. '
           f"{_e(q.question_id)}</h3>{status}</header>",
           f'<p class="meta">{_e(KIND_WORD.get(q.kind, q.kind))} · {_e(q.track)} · '
           f"{_e(q.difficulty or '?')}" + (f" · topics: {_e(', '.join(q.topics))}"
                                           if q.topics else "") + "</p>",
           *([f'<p class="graders"><strong>Graders:</strong> {_e(view.graders)}</p>']
             if view.graders is not None else []),
           f'<p class="prompt">{_e(q.prompt)}</p>',
           "<h4>Your answer</h4>",
           f'<div class="answer">{_e(q.answer) or "<em>(no answer)</em>"}</div>']
    if q.hints_used:
        out.append(f"<p>Hints used: {q.hints_used}</p>")
    for i, f in enumerate(q.followups, 1):
        answer = _e(f.answer) if f.answer else "<em>(not answered)</em>"
        out.append(f'<div class="followup"><p class="q"><strong>Follow-up {i}</strong> '
                   f"({_e(f.kind)}): {_e(f.text)}</p><div class=\"answer\">{answer}</div></div>")
    if view.points:
        counts = tuple(sum(1 for k in view.points if k.status == s)
                       for s in ("covered", "partial", "missed"))
        out.append("<h4>Key points</h4>" + svg.coverage_strip(counts))  # type: ignore[arg-type]
        items = []
        for k in view.points:
            tag = " (after a follow-up)" if k.prompted else ""
            llm = ""
            if k.judge is not None:
                llm = f'<span class="judge {k.judge.verdict}">{_e(k.judge_text)}</span>'
            wrong = ('<p class="meta">Your words say the opposite:</p>'
                     if k.contradicts and k.evidence else "")
            ref = (f'<p class="meta">Compare the model answer: “{_e(k.reference)}”</p>'
                   if k.reference else "")
            items.append(f'<li class="{k.status} {k.verdict}"><span class="status">'
                         f"{_e(k.label)}{tag}</span>{llm}{_e(k.text)}"
                         f"{wrong}{_evidence(k.evidence)}{ref}"
                         f"{_evidence(k.judge_quote, 'LLM judge, ')}</li>")
        out.append(f'<ul class="points">{"".join(items)}</ul>')
    if view.notes:
        out.append("".join(f'<p class="meta">{_e(n)}</p>' for n in view.notes))
    if view.misconceptions:
        out.append("<h4>Misconceptions</h4>")
        for m in view.misconceptions:
            out.append(f'<div class="misconception">{_evidence(m.evidence)}'
                       f"<p><strong>Correction:</strong> {_e(m.correction)}</p></div>")
    out.append(_code(view))
    out.append(_star(view))
    if view.flags:
        out.append(f"<p><strong>Flags:</strong> {_e(', '.join(view.flags))}</p>")
    if q.model_answer:
        body = "".join(f"<pre><code>{_e(t)}</code></pre>" if kind == "code" else f"<p>{_e(t)}</p>"
                       for kind, t in blocks(q.model_answer))
        out.append(f'<h4>Model answer</h4><div class="model">{body}</div>')
    if q.study:
        links = " · ".join(f'<a href="{_e(link.href)}" data-path="{_e(link.path)}">'
                           f"{_e(link.title)}</a>" for link in q.study)
        out.append(f'<p class="study"><strong>Study:</strong> {links}</p>')
    if q.review_due:
        out.append(f'<p class="meta">Comes back for review on {_e(q.review_due[:10])}.</p>')
    out.append("</article>")
    return "".join(out)


def _code(view: GradeView) -> str:
    c = view.code
    if c is None:
        return ""
    if not c.parsed:
        return f'<h4>Tests</h4><p class="fail">Code does not parse: {_e(c.error)}</p>'
    rows = "".join(f'<tr><td class="{"pass" if t.passed else "fail"}">'
                   f"{t.mark} {'passed' if t.passed else 'failed'}</td><td>{_e(t.name)}</td>"
                   f"<td>{_e(t.message if not t.passed else '')}</td></tr>" for t in c.tests)
    extra = " (timed out)" if c.timed_out else ""
    return (f"<h4>Tests: {c.passed}/{c.total} passed{extra}</h4>"
            + (f'<p class="fail">{_e(c.error)}</p>' if c.error else "")
            + f"<table><tbody>{rows}</tbody></table>")


def _star(view: GradeView) -> str:
    s = view.star
    if s is None:
        return ""
    judged = s.judged
    extra = "<td></td>" if judged else ""
    rows = []
    for p in s.parts:
        css = "pass" if p.present else "fail"
        llm = ""
        if judged:
            llm = (f"<td>{_e(p.judge_word)}{_evidence(p.judge_quote, 'LLM judge, ')}</td>"
                   if p.judge_word is not None else "<td>–</td>")
        rows.append(f'<tr><td>{_e(p.part)}</td><td class="{css}">{p.presence}</td>'
                    f"<td>{_evidence(p.evidence)}</td>{llm}</tr>")
    rows.append(f"<tr><td>ownership</td><td>{_e(s.ownership)}</td><td>"
                f"{'you said “I” for your own actions' if s.ownership == 'I' else ''}"
                f"</td>{extra}</tr>")
    for name, found, ev in (("measured result", s.quantified, s.quantified_evidence),
                            ("reflection", s.reflection, s.reflection_evidence)):
        rows.append(f'<tr><td>{name}</td><td class="{"pass" if found else "fail"}">'
                    f"{'yes' if found else 'no'}</td><td>{_evidence(ev)}</td>{extra}</tr>")
    head = "<th>LLM judge</th>" if judged else ""
    return ("<h4>STAR</h4><table><thead><tr><th>Part</th><th>Present</th><th>Evidence</th>"
            f"{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>")
