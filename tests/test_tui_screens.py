"""Streaming, key bindings, the command palette, notes search and settings."""

from __future__ import annotations

import asyncio
import socket
import tomllib
from pathlib import Path
from typing import Any

from textual.widgets import DataTable, Input, Markdown, OptionList, Select, Static
from tui_support import wait_for

from coach.interview.session import Interview, SessionConfig
from coach.knowledge.loader import KnowledgeBase
from coach.paths import resolve_paths
from coach.services import Services, build_services
from coach.settings import load_settings
from coach.tui.app import CoachApp
from coach.tui.screens.help import HelpScreen
from coach.tui.screens.history import HistoryScreen
from coach.tui.screens.interview import InterviewScreen
from coach.tui.screens.notes import NotesScreen
from coach.tui.screens.settings import SettingsScreen
from coach.tui.widgets.transcript import Transcript

CONFIG = SessionConfig(seed=5, questions=1, tracks=["evaluation"])

def notices(app: CoachApp) -> str:
    return "\n".join(n.message for n in app._notifications)


def _llm_services(services: Services) -> Services:
    """Services with the scripted LLM provider, sharing the test's knowledge and models."""
    paths = resolve_paths()
    svc = build_services(load_settings(paths, provider="fake"), paths)
    for name in ("kb", "embedder", "grader"):
        svc.set(name, getattr(services, name))
    return svc


async def _interview(pilot: Any, app: CoachApp) -> InterviewScreen:
    await wait_for(pilot, lambda: isinstance(app.screen, InterviewScreen))
    screen = app.screen
    assert isinstance(screen, InterviewScreen)
    return screen


def test_interviewer_line_streams_from_a_streaming_provider(
        services: Services) -> None:
    first = Interview.start(services, CONFIG).next().question  # same seed, same first question
    assert first is not None
    fake = _llm_services(services)
    spoken = f"Good to meet you. Here is where I'd like to start: {first.question.prompt}"
    fake.chat.enqueue([spoken])

    async def run() -> None:
        app = CoachApp(fake, config=CONFIG, clock=lambda: 0.0, warm_up=False)
        async with app.run_test(size=(100, 32)) as pilot:
            screen = await _interview(pilot, app)
            await wait_for(pilot, lambda: screen.iv is not None and not screen.busy)
            assert screen.streamed_chunks > 5  # arrived word by word, not in one piece
            said = [m for m in screen.query_one(Transcript).messages()
                    if m.role == "interviewer"]
            assert len(said) == 1 and said[0].text == spoken

    asyncio.run(run())
    fake.repo.db.close()


def test_escape_stops_a_slow_llm_interviewer_and_shows_the_question_as_written(
        services: Services) -> None:
    import time
    from collections.abc import Iterator, Sequence

    from coach.providers.base import Message
    from coach.providers.fake import FakeProvider

    class Slow(FakeProvider):
        def _stream_raw(self, messages: Sequence[Message]) -> Iterator[str]:
            for piece in super()._stream_raw(messages):
                time.sleep(0.2)  # a small local model, a word at a time
                yield piece

    first = Interview.start(services, CONFIG).next().question
    assert first is not None
    template = Interview.template_text(first, 0)
    svc = _llm_services(services)
    slow = Slow([" ".join(["Let me set the scene properly before we begin."] * 8)])
    svc.set("chat", slow)

    async def run() -> None:
        app = CoachApp(svc, config=CONFIG, clock=lambda: 0.0, warm_up=False)
        async with app.run_test(size=(100, 32)) as pilot:
            screen = await _interview(pilot, app)
            await wait_for(pilot, lambda: screen.streamed_chunks >= 2)
            await pilot.press("escape")
            await wait_for(pilot, lambda: screen.iv is not None and not screen.busy)
            said = [m.text for m in screen.query_one(Transcript).messages()
                    if m.role == "interviewer"]
            assert said == [template]
            assert "Stopped the interviewer" in notices(app)
            assert screen.streamed_chunks < 40, "it stopped part-way"
            await pilot.press("escape")  # nothing is speaking now: no second stop
            await pilot.pause()
            assert app.screen is screen and notices(app).count("Stopped the interviewer") == 1

    asyncio.run(run())
    svc.repo.db.close()


def test_keys_can_be_rebound_by_binding_id(services: Services) -> None:
    paths = resolve_paths()
    svc = build_services(load_settings(paths, keys={"submit": "ctrl+y", "nonsense": "x"}),
                         paths)
    for name in ("kb", "embedder", "grader"):
        svc.set(name, getattr(services, name))

    async def run() -> None:
        app = CoachApp(svc, config=CONFIG, clock=lambda: 0.0, warm_up=False)
        async with app.run_test(size=(100, 32)) as pilot:
            assert "unknown binding id(s) nonsense" in notices(app)
            await wait_for(pilot, lambda: isinstance(app.screen, InterviewScreen))
            screen = app.screen
            assert isinstance(screen, InterviewScreen)
            await wait_for(pilot, lambda: screen.iv is not None and not screen.busy)
            screen.editor.insert("Precision at the top of the ranking.")
            await pilot.press("ctrl+s")  # no longer bound to submit
            await pilot.pause()
            assert screen.editor.text != ""
            await pilot.press("ctrl+y")
            await pilot.pause()
            await wait_for(pilot, lambda: not screen.busy)
            assert screen.editor.text == ""
            await pilot.press("f1")
            await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
            table = app.screen.query_one("#keys", DataTable)
            rows = [table.get_row_at(i) for i in range(table.row_count)]
            assert ["interview", "ctrl+y", "Submit", "submit"] in [list(r) for r in rows]
            ids = {r[3] for r in rows}
            assert {"hint", "skip", "end", "related_notes", "help", "start"} <= ids

    asyncio.run(run())
    svc.repo.db.close()


def test_command_palette_opens_history(services: Services) -> None:
    async def run() -> None:
        app = CoachApp(services, warm_up=False)
        async with app.run_test(size=(100, 32)) as pilot:
            await pilot.press("ctrl+p")
            await pilot.pause()
            await pilot.press(*"History and progress")
            await pilot.pause(0.5)
            await pilot.press("enter")
            await wait_for(pilot, lambda: isinstance(app.screen, HistoryScreen))

    asyncio.run(run())


def test_notes_filter_read_and_search_by_meaning(services: Services, kb, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from coach.retrieval.index import NoteIndex

    subset = KnowledgeBase(root=kb.root, topics=kb.topics, notes={
        n: kb.notes[n] for n in ("bias-variance-tradeoff", "cross-validation", "rag-systems")})
    index = NoteIndex(tmp_path / "index", services.embedder)
    index.build(subset)
    services.set("index", index)
    services.set("index_fresh", True)

    async def run() -> None:
        app = CoachApp(services, warm_up=False)
        async with app.run_test(size=(100, 32)) as pilot:
            await pilot.press("f2")
            await wait_for(pilot, lambda: isinstance(app.screen, NotesScreen))
            screen = app.screen
            options = screen.query_one("#notes-list", OptionList)
            await wait_for(pilot, lambda: options.option_count > 50)
            await pilot.press(*"cross")
            await pilot.pause()
            assert [options.get_option_at_index(i).id for i in range(options.option_count)] \
                == ["cross-validation"]
            options.focus()
            options.highlighted = 0
            await pilot.press("enter")
            await pilot.pause()
            assert "# Cross" in (screen.query_one("#note", Markdown).source or "")
            query = screen.query_one("#notes-query", Input)
            query.value = ""
            query.focus()
            await pilot.press(*"retrieval augmented generation with a vector database")
            await pilot.press("enter")
            await wait_for(pilot, lambda: "for “" in str(
                screen.query_one("#notes-status", Static).content))
            assert options.get_option_at_index(0).id == "rag-systems"

    asyncio.run(run())


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_settings_test_connection_theme_and_save(services: Services) -> None:
    config_file = services.paths.config_file

    async def run() -> None:
        app = CoachApp(services, warm_up=False)
        async with app.run_test(size=(100, 32)) as pilot:
            await pilot.press("f4")
            await wait_for(pilot, lambda: isinstance(app.screen, SettingsScreen))
            screen = app.screen
            status = screen.query_one("#connection", Static)
            await pilot.press("ctrl+t")
            await wait_for(pilot, lambda: "nothing to connect to" in str(status.content))

            screen.query_one("#provider", Input).value = "compatible/tiny"
            screen.query_one("#base_url", Input).value = f"http://127.0.0.1:{_closed_port()}/v1"
            await pilot.press("ctrl+t")
            await wait_for(pilot, lambda: str(status.content).startswith("✗"))
            assert "127.0.0.1" in str(status.content)

            screen.query_one("#base_url", Input).value = "ftp://nowhere"
            await pilot.press("ctrl+s")
            await pilot.pause()
            assert "base_url" in notices(app) and not config_file.exists()

            screen.query_one("#provider", Input).value = "offline"
            screen.query_one("#base_url", Input).value = ""
            screen.query_one("#theme", Select).value = "textual-light"
            await pilot.pause()
            assert app.theme == "textual-light"
            await pilot.press("ctrl+s")
            await pilot.pause()

    asyncio.run(run())
    saved = tomllib.loads(config_file.read_text(encoding="utf-8"))
    assert saved["theme"] == "textual-light" and saved["provider"] == "offline"
    assert load_settings(services.paths).theme == "textual-light"
