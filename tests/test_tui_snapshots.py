"""Snapshots of every screen at a fixed size (fixed seed, ids, clock and timestamps)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from textual.pilot import Pilot
from tui_support import wait_for

from coach.interview.events import Finished, Open, Submit
from coach.interview.session import Interview, SessionConfig
from coach.paths import Paths
from coach.services import Services
from coach.tui.app import CoachApp
from coach.tui.screens.history import HistoryScreen
from coach.tui.screens.interview import InterviewScreen
from coach.tui.screens.notes import NotesScreen
from coach.tui.screens.report import ReportScreen

STAMP = "2025-03-04T05:06:07+00:00"
CONFIG = SessionConfig(seed=11, questions=2, tracks=["fundamentals"])
Snap = Callable[..., bool]


@pytest.fixture
def frozen(monkeypatch: pytest.MonkeyPatch) -> None:
    """Same session id and timestamps every run."""
    fixed = uuid.UUID("5e55105e55105e55105e55105e55105e")
    monkeypatch.setattr("coach.interview.collaborators.uuid",
                        SimpleNamespace(uuid4=lambda: fixed))
    monkeypatch.setattr("coach.interview.collaborators.now", lambda: STAMP)
    monkeypatch.setattr("coach.storage.repo.now", lambda: STAMP)

def app_for(services: Services, **kwargs: Any) -> CoachApp:
    return CoachApp(services, clock=lambda: 0.0, warm_up=False, **kwargs)


def finished_session(services: Services) -> str:
    """A short graded session, driven through the engine."""
    iv = Interview.start(services, CONFIG)
    events = iv.advance(Open())
    while not isinstance(events[-1], Finished):
        q = events[-1].question
        events = iv.advance(Submit(q.question.key_points[0].text))
    return iv.id


def test_home(snap_compare: Snap, services: Services, frozen: None) -> None:
    assert snap_compare(app_for(services), terminal_size=(80, 24))


def test_home_light_theme(snap_compare: Snap, services: Services, frozen: None) -> None:
    services.settings = services.settings.model_copy(update={"theme": "textual-light"})
    assert snap_compare(app_for(services), terminal_size=(80, 24))


def test_interview_first_question(snap_compare: Snap, services: Services, frozen: None) -> None:
    app = app_for(services, config=CONFIG)

    async def ready(pilot: Pilot[Any]) -> None:
        await wait_for(pilot, lambda: isinstance(app.screen, InterviewScreen)
                       and app.screen.iv is not None and not app.screen.busy)
        assert isinstance(app.screen, InterviewScreen)
        app.screen.editor.cursor_blink = False  # a blinking cursor would make it flaky

    assert snap_compare(app, terminal_size=(100, 32), run_before=ready)


def test_interview_small_terminal(snap_compare: Snap, services: Services, frozen: None) -> None:
    app = app_for(services, config=CONFIG)

    async def ready(pilot: Pilot[Any]) -> None:
        await wait_for(pilot, lambda: isinstance(app.screen, InterviewScreen)
                       and app.screen.iv is not None and not app.screen.busy)
        assert isinstance(app.screen, InterviewScreen)
        app.screen.editor.cursor_blink = False  # a blinking cursor would make it flaky

    assert snap_compare(app, terminal_size=(80, 24), run_before=ready)


def test_report(snap_compare: Snap, services: Services, frozen: None) -> None:
    session_id = finished_session(services)
    app = app_for(services)

    async def ready(pilot: Pilot[Any]) -> None:
        app.open_report(session_id)
        await wait_for(pilot, lambda: isinstance(app.screen, ReportScreen)
                       and app.screen.record is not None)

    assert snap_compare(app, terminal_size=(100, 32), run_before=ready)


def test_history(snap_compare: Snap, services: Services, frozen: None) -> None:
    finished_session(services)
    app = app_for(services)

    async def ready(pilot: Pilot[Any]) -> None:
        await pilot.press("f3")
        await wait_for(pilot, lambda: isinstance(app.screen, HistoryScreen)
                       and app.screen.query_one("#sessions").row_count > 0)

    assert snap_compare(app, terminal_size=(100, 32), run_before=ready)


def test_notes(snap_compare: Snap, services: Services, frozen: None) -> None:
    app = app_for(services)

    async def ready(pilot: Pilot[Any]) -> None:
        app.action_notes("cross-validation")
        await wait_for(pilot, lambda: isinstance(app.screen, NotesScreen)
                       and app.screen.note_id == "cross-validation"
                       and app.screen.kb is not None)

    assert snap_compare(app, terminal_size=(100, 32), run_before=ready)


def test_settings(snap_compare: Snap, services: Services, frozen: None) -> None:
    # The screen shows the config file's path; keep it the same on every run.
    services.paths = Paths(config_file=Path("/home/you/.config/coach/config.toml"),
                           data_dir=services.paths.data_dir)
    assert snap_compare(app_for(services), terminal_size=(80, 24), press=["f4"])


def test_help(snap_compare: Snap, services: Services, frozen: None) -> None:
    assert snap_compare(app_for(services), terminal_size=(80, 24), press=["f1"])
