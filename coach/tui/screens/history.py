"""History and progress: past sessions, topic mastery over time, reviews due."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Footer, Header, Static, TabbedContent, TabPane

from coach.errors import CoachError
from coach.tui.screens.base import CoachScreen
from coach.tui.text import sparkline, topic_mastery

if TYPE_CHECKING:
    from coach.interview.records import Session


@dataclass
class HistoryData:
    sessions: list[Session]
    mastery: dict[str, list[float]]
    due: list[tuple[str, str, str]]  # question id, track, prompt


class HistoryScreen(CoachScreen[None]):
    """Enter on a session opens its report (or resumes it when unfinished)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="history_back"),
    ]

    def compose(self) -> ComposeResult:
        yield Header(icon="◆")
        with TabbedContent(id="history-tabs"):
            with TabPane("Sessions", id="tab-sessions"):
                yield Static("Loading…", id="sessions-status")
                yield DataTable(id="sessions", cursor_type="row", zebra_stripes=True)
            with TabPane("Progress", id="tab-progress"):
                yield Static("Mastery by topic: average score, and each score oldest → newest.",
                             id="mastery-status")
                yield DataTable(id="mastery", cursor_type="row", zebra_stripes=True)
            with TabPane("Due reviews", id="tab-due"):
                yield Static("", id="due-status")
                yield DataTable(id="due", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#sessions", DataTable).add_columns(
            "Date", "Session", "Mode", "Role", "Answered", "Score", "Status")
        self.query_one("#mastery", DataTable).add_columns(
            "Topic", "Answers", "Average", "Latest", "Trend")
        self.query_one("#due", DataTable).add_columns("Question", "Track", "Prompt")
        self.load()

    def on_screen_resume(self) -> None:
        self.load()

    @work(thread=True, exclusive=True, exit_on_error=False, group="history")
    def load(self) -> None:
        from coach.interview.review import due_questions

        services = self.coach.services
        try:
            repo = services.repo
            sessions = repo.sessions()
            mastery = topic_mastery(repo.graded_turns())
            kb = services.kb
            due: list[tuple[str, str, str]] = []
            for qid in due_questions(repo):
                q = kb.questions.get(qid)
                due.append((qid, str(q.track) if q else "?",
                            q.question.prompt if q else "(removed)"))
        except CoachError as exc:
            self.app.call_from_thread(self.notify, str(exc), severity="error", timeout=10)
            return
        self.app.call_from_thread(self._show, HistoryData(sessions, mastery, due))

    def _show(self, data: HistoryData) -> None:
        table = self.query_one("#sessions", DataTable)
        table.clear()
        for s in data.sessions:
            answered = sum(1 for t in s.turns if t.score is not None and not t.skipped)
            score = s.summary["score"] if s.summary else s.score
            table.add_row(s.created_at[:16].replace("T", " "), s.id, s.mode, s.role,
                          f"{answered}/{s.config.get('questions', len(s.turns))}",
                          "—" if score is None else f"{score:.1f}", s.status, key=s.id)
        self.query_one("#sessions-status", Static).update(
            f"{len(data.sessions)} session(s) — enter opens the report (or resumes an "
            "unfinished one)" if data.sessions else "No sessions yet — start one from Home.")
        mastery = self.query_one("#mastery", DataTable)
        mastery.clear()
        for topic, scores in data.mastery.items():
            mastery.add_row(topic, str(len(scores)), f"{sum(scores) / len(scores):.1f}",
                            f"{scores[-1]:.1f}", sparkline(scores[-20:]), key=topic)
        if not data.mastery:
            self.query_one("#mastery-status", Static).update(
                "No graded answers yet — mastery appears after your first session.")
        due = self.query_one("#due", DataTable)
        due.clear()
        for qid, track, prompt in data.due:
            due.add_row(qid, track, prompt[:70] + ("…" if len(prompt) > 70 else ""), key=qid)
        self.query_one("#due-status", Static).update(
            f"{len(data.due)} question(s) due for review; a new session asks them first."
            if data.due else "Nothing due for review.")

    @on(DataTable.RowSelected, "#sessions")
    def _open(self, event: DataTable.RowSelected) -> None:
        session_id = str(event.row_key.value)
        status = self.query_one("#sessions", DataTable).get_row(event.row_key)[6]
        if status == "active":
            self.coach.resume_session(session_id)
        else:
            self.coach.open_report(session_id)

    def action_back(self) -> None:
        self.app.pop_screen()
