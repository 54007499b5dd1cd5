"""Drive a whole practice session through the TUI with the offline engine."""

from __future__ import annotations

import asyncio

from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Markdown, SelectionList, Static
from tui_support import wait_for

from coach.services import Services
from coach.tui.app import CoachApp
from coach.tui.screens.history import HistoryScreen
from coach.tui.screens.home import HomeScreen
from coach.tui.screens.interview import InterviewScreen
from coach.tui.screens.report import ReportScreen
from coach.tui.widgets.transcript import Transcript


def text_of(static: Static) -> str:
    return str(static.content)


async def answer(pilot: Pilot[None], screen: InterviewScreen, text: str) -> None:
    """Type an answer (the first words key by key), submit, wait for the interviewer."""
    screen.editor.focus()
    await pilot.press(*"So, ")
    screen.editor.insert(text)
    await pilot.press("ctrl+s")
    await pilot.pause()
    await wait_for(pilot, lambda: not screen.busy)


def test_practice_session_from_home_to_history(services: Services) -> None:
    asyncio.run(_practice(services))


async def _practice(services: Services) -> None:
    app = CoachApp(services, seed=7, clock=lambda: 0.0)
    async with app.run_test(size=(100, 32)) as pilot:
        await wait_for(pilot, lambda: app.warm_state == "ready")
        home = app.screen
        assert isinstance(home, HomeScreen)
        home.query_one("#questions", Input).value = "2"
        home.query_one("#tracks", SelectionList).select("fundamentals")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, InterviewScreen))
        screen = app.screen
        assert isinstance(screen, InterviewScreen)
        await wait_for(pilot, lambda: screen.iv is not None and not screen.busy)
        iv = screen.iv
        assert iv is not None and iv.question is not None
        first = iv.question
        assert first.track == "fundamentals"
        transcript = screen.query_one(Transcript)
        assert transcript.messages()[-1].role == "interviewer"
        assert first.question.prompt in transcript.messages()[-1].text
        assert "Question 1/2" in text_of(screen.query_one("#facts", Static))

        # A partial answer (one key point of several) draws a follow-up, not feedback.
        await answer(pilot, screen, first.question.key_points[0].text)
        assert iv.turn is not None and iv.turn.state == "following_up"
        said = transcript.messages()
        assert said[-2].role == "you" and first.question.key_points[0].text in said[-2].text
        assert said[-1].role == "interviewer"
        assert said[-1].text == iv.turn.followups[-1].text
        assert not [m for m in said if m.role == "feedback"]

        # Answer each follow-up with the point it probes until the question is graded.
        while iv.turn.position == 0 and iv.turn.state == "following_up":
            target = iv.turn.followups[-1].target
            point = next((k.text for k in first.question.key_points if k.id == target),
                         first.question.model_answer)
            await answer(pilot, screen, point)
        feedback = [m for m in transcript.messages() if m.role == "feedback"]
        assert len(feedback) == 1 and "Score" in feedback[0].text
        rubric = text_of(screen.query_one("#rubric", Static))
        assert "rubric" in rubric and first.question.key_points[0].text in rubric
        assert "Running score" in text_of(screen.query_one("#score", Static))
        graded = services.repo.session(iv.id).turns[0]
        assert graded.state == "graded" and graded.score is not None
        assert f"{graded.score:.1f}/5" in feedback[0].text

        # The second question: answer until the interview ends and the report opens.
        assert "Question 2/2" in text_of(screen.query_one("#facts", Static))
        while isinstance(app.screen, InterviewScreen):
            q = iv.question
            assert q is not None
            await answer(pilot, screen, q.question.model_answer)
        await wait_for(pilot, lambda: isinstance(app.screen, ReportScreen))
        report = app.screen
        assert isinstance(report, ReportScreen)
        await wait_for(pilot, lambda: report.record is not None)
        await pilot.pause()
        body = report.query_one("#report", Markdown).source
        assert "Session score" in body and first.question.prompt in body
        assert "Model answer" not in body
        await pilot.press("m")
        await pilot.pause()
        assert first.question.model_answer.strip()[:60] in report.query_one(
            "#report", Markdown).source

        # Back home, then History lists the finished session.
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, HomeScreen))
        await pilot.press("f3")
        await wait_for(pilot, lambda: isinstance(app.screen, HistoryScreen))
        table = app.screen.query_one("#sessions", DataTable)
        await wait_for(pilot, lambda: table.row_count > 0)
        row = table.get_row(iv.id)
        assert row[1] == iv.id and row[6] == "finished"
    assert services.repo.session(iv.id).status == "finished"
