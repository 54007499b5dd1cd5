"""Drafts survive quitting and resuming; failures keep the answer and say what to do."""

from __future__ import annotations

import asyncio
import socket
import sqlite3
from pathlib import Path

import pytest
from tui_support import opened, wait_for

from coach.interview.session import SessionConfig
from coach.paths import resolve_paths
from coach.services import Services, build_services
from coach.settings import load_settings
from coach.tui.app import CoachApp
from coach.tui.widgets.transcript import Transcript

CONFIG = SessionConfig(seed=3, questions=2, tracks=["fundamentals"])
def notices(app: CoachApp) -> str:
    return "\n".join(n.message for n in app._notifications)


def stored_draft(database: Path) -> str:
    """Read the draft through a separate connection, as a new process after a kill would."""
    conn = sqlite3.connect(database)
    try:
        rows = conn.execute("SELECT text FROM drafts").fetchall()
    finally:
        conn.close()
    return rows[0][0] if rows else ""


def test_draft_is_saved_while_typing_and_restored_on_resume(services: Services) -> None:
    typed = "Cross-validation averages over folds"

    async def first_run() -> str:
        app = CoachApp(services, config=CONFIG, clock=lambda: 0.0)
        async with app.run_test(size=(100, 32)) as pilot:
            screen = await opened(pilot, app)
            screen.editor.focus()
            await pilot.press(*typed)
            # Committed within about a second while the app still runs: a SIGKILL now
            # would lose nothing.
            await wait_for(pilot, lambda: stored_draft(services.paths.database) == typed,
                           timeout=5)
            assert screen.iv is not None
            return screen.iv.id

    session_id = asyncio.run(first_run())

    async def resumed() -> None:
        app = CoachApp(services, resume=session_id, clock=lambda: 0.0)
        async with app.run_test(size=(100, 32)) as pilot:
            # The notice shows for 4 s from when the session has loaded; on a busy machine the
            # screen can take longer than that to become idle, so look for it from the start.
            await wait_for(pilot, lambda: "draft was restored" in notices(app))
            screen = await opened(pilot, app)
            assert screen.editor.text == typed
            assert screen.query_one(Transcript).messages()[-1].role == "interviewer"

    asyncio.run(resumed())


def test_quitting_saves_the_last_keystrokes(services: Services) -> None:
    async def run() -> None:
        app = CoachApp(services, config=CONFIG, clock=lambda: 0.0)
        async with app.run_test(size=(100, 32)) as pilot:
            screen = await opened(pilot, app)
            screen.editor.focus()
            await pilot.press(*"typed just before quitting")
            await pilot.press("ctrl+q")

    asyncio.run(run())
    assert stored_draft(services.paths.database) == "typed just before quitting"


def test_a_grading_failure_keeps_the_answer_and_a_retry_grades_it(
        services: Services, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from coach.embeddings import MiniLMEmbedder
    from coach.grading.grader import Grader

    good = services.grader
    monkeypatch.setattr("coach.embeddings.model_path", lambda: str(tmp_path / "no-model"))
    services.set("grader", Grader(MiniLMEmbedder()))  # its model cannot load
    answer = "K-fold uses every example for validation exactly once."

    async def run() -> None:
        app = CoachApp(services, config=CONFIG, clock=lambda: 0.0, warm_up=False)
        async with app.run_test(size=(100, 32)) as pilot:
            screen = await opened(pilot, app)
            screen.editor.insert(answer)
            await pilot.press("ctrl+s")
            await pilot.pause()
            # The failure clears `busy` before it drops the pending answer and says so.
            await wait_for(pilot, lambda: not screen.busy and "try again" in notices(app))
            assert "no-model not found" in notices(app) and "ctrl+s to try again" in notices(app)
            assert screen.editor.text == answer
            assert not [m for m in screen.query_one(Transcript).messages() if m.role == "you"]
            iv = screen.iv
            assert iv is not None
            assert services.repo.session(iv.id).turns[0].answer == answer  # saved anyway

            services.set("grader", good)
            await pilot.press("ctrl+s")
            await pilot.pause()
            await wait_for(pilot, lambda: not screen.busy)
            turn = services.repo.session(iv.id).turns[0]
            assert turn.grade is not None and turn.answer == answer
            assert screen.editor.text == ""

    asyncio.run(run())


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_an_unreachable_provider_is_reported_and_the_session_goes_on(
        services: Services) -> None:
    paths = resolve_paths()
    settings = load_settings(paths, provider="compatible/tiny", max_retries=0, timeout=3,
                             base_url=f"http://127.0.0.1:{_closed_port()}/v1")
    svc = build_services(settings, paths)
    for name in ("kb", "embedder", "grader"):
        svc.set(name, getattr(services, name))

    async def run() -> None:
        app = CoachApp(svc, config=CONFIG, clock=lambda: 0.0, warm_up=False)
        async with app.run_test(size=(100, 32)) as pilot:
            screen = await opened(pilot, app)
            iv = screen.iv
            assert iv is not None and iv.question is not None
            # The built-in wording is used when the server cannot phrase the question.
            assert iv.question.question.prompt in \
                screen.query_one(Transcript).messages()[-1].text
            screen.editor.insert(iv.question.question.key_points[0].text)
            await pilot.press("ctrl+s")
            await pilot.pause()
            await wait_for(pilot, lambda: not screen.busy)
            assert "LLM judge could not be used" in notices(app)
            assert services_turn_graded(svc, iv.id)

    asyncio.run(run())
    svc.repo.db.close()


def services_turn_graded(svc: Services, session_id: str) -> bool:
    return svc.repo.session(session_id).turns[0].grade is not None
