"""Notes: filter by title as you type, search by meaning with enter, read as Markdown."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Footer, Header, Input, Markdown, OptionList, Static
from textual.widgets.option_list import Option

from coach.errors import CoachError
from coach.tui.messages import SearchDone
from coach.tui.screens.base import CoachScreen

if TYPE_CHECKING:
    from coach.knowledge.loader import KnowledgeBase


class NotesScreen(CoachScreen[None]):
    """The knowledge base; opens on a given note when asked."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+f", "focus_search", "Search", id="notes_search", priority=True),
        Binding("escape", "back", "Back", id="notes_back"),
    ]

    def __init__(self, note_id: str = "") -> None:
        super().__init__()
        self.note_id = note_id
        self.kb: KnowledgeBase | None = None

    def compose(self) -> ComposeResult:
        yield Header(icon="◆")
        with Horizontal(id="notes-body"):
            with Vertical(id="notes-side"):
                yield Input(placeholder="filter titles; enter searches by meaning",
                            id="notes-query", compact=True)
                yield Static("Loading notes…", id="notes-status")
                yield OptionList(id="notes-list")
            with VerticalScroll(id="note-scroll") as scroll:
                scroll.border_title = "Note"
                yield Markdown("Pick a note on the left.", id="note", open_links=False)
        yield Footer()

    def on_mount(self) -> None:
        self.load_kb()

    @work(thread=True, exclusive=True, exit_on_error=False, group="notes-kb")
    def load_kb(self) -> None:
        try:
            kb = self.coach.services.kb
        except CoachError as exc:
            self.app.call_from_thread(self.notify, str(exc), severity="error", timeout=10)
            return
        self.app.call_from_thread(self.call_later, self._kb_loaded, kb)

    async def _kb_loaded(self, kb: KnowledgeBase) -> None:
        self.kb = kb
        self._filter("")
        if self.note_id:
            await self.show_note(self.note_id)
        else:
            self.query_one("#notes-query", Input).focus()

    def _filter(self, text: str) -> None:
        if self.kb is None:
            return
        words = text.lower().split()
        notes = sorted(self.kb.notes.values(), key=lambda n: (n.meta.track, n.title))
        shown = [n for n in notes if all(w in f"{n.title} {n.id} {n.meta.track}".lower()
                                         for w in words)]
        options = self.query_one("#notes-list", OptionList)
        options.clear_options()
        options.add_options([Option(_label(n.title, n.meta.track), id=n.id)
                             for n in shown])
        self.query_one("#notes-status", Static).update(
            f"{len(shown)} of {len(notes)} notes" + (" — enter: search by meaning" if text
                                                       else ""))

    @on(Input.Changed, "#notes-query")
    def _changed(self, event: Input.Changed) -> None:
        self._filter(event.value)

    @on(Input.Submitted, "#notes-query")
    def _submitted(self, event: Input.Submitted) -> None:
        query = event.value.strip()
        if not query:
            return
        first = "index" not in self.coach.services._cache
        self.query_one("#notes-status", Static).update(
            "Searching…" + (" (the first search builds the index; it can take a minute)"
                            if first else ""))
        self.search(query)

    @work(thread=True, exclusive=True, exit_on_error=False, group="notes-search")
    def search(self, query: str) -> None:
        try:
            hits = self.coach.services.ready_index().search(query, 8)
        except Exception as exc:
            message = str(exc) if isinstance(exc, CoachError) else \
                f"search failed ({type(exc).__name__}: {exc}) — try 'coach index build'"
            self.post_message(SearchDone(query, [], error=message))
            return
        self.post_message(SearchDone(query, list(hits)))

    def on_search_done(self, message: SearchDone) -> None:
        status = self.query_one("#notes-status", Static)
        if message.error:
            status.update("Search failed.")
            self.notify(message.error, severity="error", timeout=10)
            return
        options = self.query_one("#notes-list", OptionList)
        options.clear_options()
        seen: set[str] = set()
        for hit in message.hits:
            if hit.note_id in seen:
                continue
            seen.add(hit.note_id)
            options.add_option(Option(_label(hit.title, hit.heading), id=hit.note_id))
        status.update(f"{len(seen)} note(s) for “{message.query}”")
        options.focus()
        if options.option_count:
            options.highlighted = 0

    @on(OptionList.OptionSelected, "#notes-list")
    async def _picked(self, event: OptionList.OptionSelected) -> None:
        if event.option.id:
            await self.show_note(event.option.id)

    async def show_note(self, note_id: str) -> None:
        if self.kb is None:
            return
        try:
            note = self.kb.note(note_id)
        except CoachError as exc:
            self.notify(str(exc), severity="error", timeout=8)
            return
        self.note_id = note_id
        meta = note.meta
        head = (f"# {note.title}\n\n*{meta.track} · {meta.difficulty} · topics: "
                f"{', '.join(meta.topics)}*\n\n")
        related = ""
        if meta.related:
            related = "\n\n---\n**Related:** " + ", ".join(
                f"[{r}](note:{r})" for r in meta.related)
        scroll = self.query_one("#note-scroll", VerticalScroll)
        scroll.border_title = note.title
        await self.query_one("#note", Markdown).update(head + note.body + related)
        scroll.scroll_home(animate=False)
        scroll.focus()

    @on(Markdown.LinkClicked, "#note")
    async def _link(self, event: Markdown.LinkClicked) -> None:
        if event.href.startswith("note:"):
            await self.show_note(event.href.removeprefix("note:"))

    def action_focus_search(self) -> None:
        self.query_one("#notes-query", Input).focus()

    def action_back(self) -> None:
        self.app.pop_screen()


def _label(title: str, detail: str) -> Text:
    return Text.assemble(title, ("  " + detail, "dim"))
