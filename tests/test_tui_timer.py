"""Mock interviews are timed: when the clock runs out, the draft goes in as it stands."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from textual.widgets import Static
from tui_support import opened, wait_for

from coach.interview.session import SessionConfig
from coach.services import Services
from coach.tui.app import CoachApp
from coach.tui.widgets.transcript import Transcript

# Follow-ups are on, as in a real mock: once the time is up none may be asked.
MOCK = SessionConfig(seed=3, questions=2, tracks=["fundamentals"], mode="mock", followups=2)


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now
def notices(app: CoachApp) -> str:
    return "\n".join(f"{n.title}: {n.message}" for n in app._notifications)


@asynccontextmanager
async def mock_interview(services: Services) -> AsyncIterator[tuple[Any, ...]]:
    """A mock interview on a hand-moved clock, at its first question: (clock, app, pilot,
    screen, interview, first turn)."""
    clock = Clock()
    app = CoachApp(services, config=MOCK, clock=clock, warm_up=False)
    async with app.run_test(size=(100, 32)) as pilot:
        screen = await opened(pilot, app)
        iv = screen.iv
        assert iv is not None and iv.turn is not None
        yield clock, app, pilot, screen, iv, iv.turn


def limit_seconds(services: Services) -> float:
    return services.settings.interview.mock_minutes_per_question * 60.0


def test_time_up_submits_the_draft_as_the_answer(services: Services) -> None:
    draft = "Cross-validation averages the score over folds"

    async def run() -> None:
        async with mock_interview(services) as (clock, app, pilot, screen, iv, first):
            screen.editor.focus()
            await pilot.press(*draft)
            clock.now = limit_seconds(services) - 30
            await wait_for(pilot, lambda: "0:30" in str(screen.query_one("#timer",
                                                                          Static).content))
            assert first.state == "asking" and not first.answer  # nothing is sent early

            clock.now = limit_seconds(services) + 0.5  # the next tick finds the time up
            await wait_for(pilot, lambda: first.state == "graded" and not screen.busy, 30)
            assert first.answer == draft and not first.skipped and first.score is not None
            assert first.followups == [], "time is up: the interviewer moves on"
            assert first.grade is not None and first.grade.missed, "a follow-up was due"
            said = screen.query_one(Transcript).messages()
            assert [m.text for m in said if m.role == "you"] == [draft]
            assert "Time is up: Your answer was submitted" in notices(app)
            # The next question starts with a fresh clock and an empty editor.
            assert iv.turn is not None and iv.turn.position == 1
            assert screen.editor.text == ""
            assert "Time left" in str(screen.query_one("#timer", Static).content)

    asyncio.run(run())
    stored = services.repo.unfinished()[0].turns[0]
    assert stored.answer == draft and stored.state == "graded"


def test_time_up_with_nothing_written_skips_the_question(services: Services) -> None:
    async def run() -> None:
        async with mock_interview(services) as (clock, app, pilot, screen, iv, first):
            clock.now = limit_seconds(services) + 0.5
            await wait_for(pilot, lambda: first.state == "graded" and not screen.busy, 30)
            assert first.skipped and not first.answer and first.score is None
            assert "Time is up: Nothing was written, so the question counts as skipped" \
                in notices(app)
            assert iv.turn is not None and iv.turn.position == 1  # moved on

    asyncio.run(run())


def test_time_up_behind_a_dialog_waits_for_the_dialog_to_close(services: Services) -> None:
    draft = "A validation set estimates how the model generalises"

    async def run() -> None:
        async with mock_interview(services) as (clock, app, pilot, screen, _iv, first):
            screen.editor.focus()
            await pilot.press(*draft)
            await pilot.press("ctrl+g")  # "End the interview now?"
            await wait_for(pilot, lambda: app.screen is not screen)
            clock.now = limit_seconds(services) + 0.5
            await pilot.pause(1.5)  # the clock has ticked past zero behind the dialog
            assert first.state == "asking" and "Time is up" not in notices(app)
            await pilot.press("n")  # keep going: the time is still up, so the draft goes in
            await wait_for(pilot, lambda: first.state == "graded" and not screen.busy, 30)
            assert first.answer == draft
            assert "Time is up: Your answer was submitted" in notices(app)

    asyncio.run(run())
