"""Feedback and report: per-question scores, evidence, corrections, model answers, study notes."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Footer, Header, Markdown, OptionList, Static
from textual.widgets.option_list import Option

from coach.errors import CoachError
from coach.reports.judge import overall_judge, question_judge
from coach.reports.text import overall_judge_text, overall_kind
from coach.tui.screens.base import CoachScreen
from coach.tui.text import summary_markdown, turn_markdown

if TYPE_CHECKING:
    from coach.interview.records import Session
    from coach.knowledge.loader import KnowledgeBase


class ReportScreen(CoachScreen[None]):
    """The report for one session; study notes open in the Notes screen."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("m", "toggle_model", "Model answers", id="model_answers",
                tooltip="Show or hide the model answer under each question"),
        Binding("escape", "back", "Back", id="back"),
    ]

    def __init__(self, session_id: str) -> None:
        super().__init__()
        self.session_id = session_id
        self.show_model = False
        self.record: Session | None = None
        self.kb: KnowledgeBase | None = None

    def compose(self) -> ComposeResult:
        yield Header(icon="◆")
        with Horizontal(id="report-body"):
            with VerticalScroll(id="report-scroll") as scroll:
                scroll.border_title = "Report"
                yield Markdown("Loading the report…", id="report", open_links=False)
            with Vertical(id="study"):
                yield Static("Study these notes\n(enter opens)", id="study-title")
                yield OptionList(id="study-notes")
        yield Footer()

    def on_mount(self) -> None:
        self.load()

    @work(thread=True, exclusive=True, exit_on_error=False, group="report")
    def load(self) -> None:
        try:
            kb = self.coach.services.kb
            record = self.coach.services.repo.session(self.session_id)
        except CoachError as exc:
            self.app.call_from_thread(self.notify, str(exc), severity="error", timeout=10)
            return
        self.app.call_from_thread(self.call_later, self._loaded, record, kb)

    async def _loaded(self, record: Session, kb: KnowledgeBase) -> None:
        self.record, self.kb = record, kb
        study = list((record.summary or {}).get("study_notes", []))
        for t in record.turns:  # weak answers first, then every other question's note
            q = kb.questions.get(t.question_id)
            if q is not None and q.note_id not in study:
                study.append(q.note_id)
        options = self.query_one("#study-notes", OptionList)
        options.clear_options()
        for note_id in study:
            title = kb.notes[note_id].title if note_id in kb.notes else note_id
            options.add_option(Option(title, id=note_id))
        await self._show_report()
        self.query_one("#study-notes", OptionList).focus()

    async def _show_report(self) -> None:
        record, kb = self.record, self.kb
        if record is None or kb is None:
            return
        parts = [f"*Session {record.id} · {record.mode} · {record.role} · "
                 f"{record.created_at[:16].replace('T', ' ')} · {record.status}*", ""]
        if record.summary:
            parts.append(summary_markdown(record.summary))
        else:
            parts.append("*This session is not finished; scores so far are below.*")
        parts += _graders_line(record)
        for i, turn in enumerate(record.turns, start=1):
            parts += ["", turn_markdown(turn, kb.questions.get(turn.question_id), i,
                                        self.show_model)]
        study = (record.summary or {}).get("study_notes", [])
        if study:
            parts += ["", "## Study", ""]
            parts += [f"- [{kb.notes[n].title if n in kb.notes else n}](note:{n})"
                      for n in study]
        hint = "hide" if self.show_model else "show"
        parts += ["", f"*Press m to {hint} the model answers.*"]
        await self.query_one("#report", Markdown).update("\n".join(parts))

    async def action_toggle_model(self) -> None:
        self.show_model = not self.show_model
        await self._show_report()

    def action_back(self) -> None:
        self.app.pop_screen()

    @on(OptionList.OptionSelected, "#study-notes")
    def _open_note(self, event: OptionList.OptionSelected) -> None:
        if event.option.id:
            self.coach.action_notes(event.option.id)

    @on(Markdown.LinkClicked)
    def _link(self, event: Markdown.LinkClicked) -> None:
        if event.href.startswith("note:"):
            self.coach.action_notes(event.href.removeprefix("note:"))


def _graders_line(record: Session) -> list[str]:
    """Whether the session score combines the LLM judge; nothing for an offline session."""
    pairs = [(float(t.score), question_judge(t.grade))
             for t in record.turns if not t.skipped and t.grade is not None and t.score is not None]
    judge = overall_judge(pairs)
    if judge is None:
        return []
    return ["", f"**Overall: {overall_kind(judge)}** — {overall_judge_text(judge, len(pairs))}"]
