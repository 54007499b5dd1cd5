"""One grade view behind every renderer: the Markdown and HTML reports, line mode, the TUI's
feedback and its side panel show what the view decides, so a mark or a label changed there
changes in all of them at once."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from textual.app import App, ComposeResult
from textual.widgets import Static

from coach.cli.render import grade_lines
from coach.grading.models import Grade
from coach.reports import grade_view as gv
from coach.reports.html import render_html
from coach.reports.markdown import render_markdown
from coach.reports.model import Overall, QuestionReport, Report, SessionInfo
from coach.reports.parts import grade_parts
from coach.tui.text import grade_markdown
from coach.tui.widgets.side_panel import SidePanel


def _quote(text: str, source: str = "answer") -> dict[str, Any]:
    return {"text": text, "start": 0, "end": len(text), "source": source}


def _point(pid: str, verdict: str, evidence: str | None, **extra: Any) -> dict[str, Any]:
    status = {"stated": "covered", "partial": "partial", "unverified": "partial"}.get(
        verdict, "missed")
    return {"id": pid, "text": f"The {pid} point", "weight": 1.0, "status": status,
            "verdict": verdict, "confidence": 0.5,
            "evidence": _quote(evidence) if evidence else None, **extra}


GRADE = Grade.model_validate({
    "question_id": "bias-variance-tradeoff-1", "kind": "technical", "score": 1.8,
    "level": "weak",
    "key_points": [
        _point("bias", "stated", "bias is error from wrong assumptions"),
        _point("variance", "unverified", "variance is about the data",
               reference="Variance is how much the fit changes with the training sample."),
        _point("tradeoff", "contradicted", "more complex models always have more bias"),
        _point("regularise", "absent", "we tuned it", reference="Regularisation trades ..."),
    ],
    "misconceptions": [{"claim": "Complex models have more bias",
                        "correction": "Complexity lowers bias and raises variance.",
                        "evidence": _quote("more complex models always have more bias"),
                        "listed": False}],
    "feedback": ["Give an example of a model with high variance."],
    "feedback_kinds": ["strengthen"],
})


def _report(grade: Grade) -> Report:
    parts = grade_parts(grade)
    question = QuestionReport(
        position=1, question_id=grade.question_id, kind=grade.kind, track="ml",
        difficulty="easy", topics=[], prompt="What is the bias-variance trade-off?",
        status="graded", answer="...", hints_used=0, followups=[], score=grade.score,
        level=grade.level, key_points=parts.key_points, misconceptions=parts.misconceptions,
        code=parts.code, star=parts.star, flags=parts.flags, feedback=parts.feedback,
        model_answer="", study=[], judge=parts.judge)
    session = SessionInfo(id="s1", created_at="2026-12-01T10:00", finished_at=None,
                          status="finished", role="ml-engineer", mode="practice", planned=1,
                          answered=1, skipped=0)
    return Report(generated_at="2026-12-01T10:30", session=session,
                  overall=Overall(score=grade.score, level=grade.level), questions=[question],
                  topics=[], strengths=[], weaknesses=[], next_steps=[])


def _side_panel_text(grade: Grade) -> str:
    class Panel(App[None]):
        def compose(self) -> ComposeResult:
            yield SidePanel()

    async def run() -> str:
        app = Panel()
        async with app.run_test(size=(80, 30)):
            app.query_one(SidePanel).show_rubric(grade)
            return str(app.query_one("#rubric", Static).content)

    return asyncio.run(run())


def _views(grade: Grade) -> dict[str, str]:
    report = _report(grade)
    return {"line mode": "\n".join(grade_lines(grade)), "TUI": grade_markdown(grade),
            "side panel": _side_panel_text(grade), "markdown": render_markdown(report),
            "html": render_html(report)}


def test_every_renderer_shows_the_mark_and_label_the_view_gives(
        monkeypatch: pytest.MonkeyPatch) -> None:
    before = _views(GRADE)
    assert "? addressed, not verified: The variance point" in before["line mode"]
    assert "- ? **addressed, not verified:** The variance point" in before["TUI"]
    monkeypatch.setitem(gv.LOOK, "unverified", gv.Look("¿", "unsure", "unsure: "))
    monkeypatch.setitem(gv.LOOK, "contradicted", gv.Look("✘", "incorrect", "INCORRECT: "))
    monkeypatch.setitem(gv.MISCONCEPTION_LABEL, False, "False claim")
    after = _views(GRADE)
    assert "¿ unsure: The variance point" in after["line mode"]
    assert "✘ INCORRECT: The tradeoff point" in after["line mode"]
    assert "! False claim: “more complex models" in after["line mode"]
    assert "- ¿ **unsure:** The variance point" in after["TUI"]
    assert "- ✘ **incorrect:** The tradeoff point" in after["TUI"]
    assert "**False claim:** “more complex models" in after["TUI"]
    assert "¿ The variance point" in after["side panel"]
    assert "✘ The tradeoff point" in after["side panel"]
    assert "- ¿ **unsure**: The variance point" in after["markdown"]
    assert "- ✘ **incorrect**: The tradeoff point" in after["markdown"]
    assert '<span class="status">unsure</span>The variance point' in after["html"]
    assert '<span class="status">incorrect</span>The tradeoff point' in after["html"]
    for name, text in after.items():
        assert "addressed, not verified" not in text, name
        assert "WRONG" not in text and "Wrong claim" not in text, name


def test_the_view_decides_what_is_quoted_and_offered_the_same_for_a_grade_and_a_report() -> None:
    view = gv.grade_view(GRADE)
    rows = {row.text: row for row in view.points}
    # A missed point quotes nothing, even when the grader kept some words; only an
    # unverified point offers the model answer's words to compare with.
    assert rows["The regularise point"].evidence is None
    assert rows["The regularise point"].reference is None
    assert rows["The variance point"].reference is not None
    assert rows["The tradeoff point"].contradicts
    assert view.advice == ["Give an example of a model with high variance."]
    # The report's view of the saved grade shows the same rows.
    report_view = gv.question_view(_report(GRADE).questions[0])
    assert report_view.points == view.points
    assert report_view.misconceptions == view.misconceptions
    assert "we tuned it" not in "\n".join(grade_lines(GRADE))
    assert "we tuned it" not in render_markdown(_report(GRADE))
