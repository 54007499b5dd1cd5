"""The interview: transcript, answer editor and side panel; the engine runs in workers."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Footer, Header, Static, TextArea

from coach.errors import CoachError
from coach.grading.models import Grade
from coach.interview.events import End, Hint, Skip, Submit
from coach.interview.events import TimeUp as TimeRanOut
from coach.tui.messages import EngineDone, EngineFailed, StreamChunk, TimeUp
from coach.tui.screens.base import CoachScreen
from coach.tui.text import grade_markdown
from coach.tui.widgets.answer_editor import AnswerEditor
from coach.tui.widgets.chat_message import ChatMessage
from coach.tui.widgets.side_panel import SidePanel
from coach.tui.widgets.transcript import Transcript

if TYPE_CHECKING:
    from coach.interview.events import Action, Event
    from coach.interview.session import Interview, SessionConfig

DRAFT_SECONDS = 1.0


class InterviewScreen(CoachScreen[None]):
    """One session, new or resumed. Every action is a worker; the UI never waits."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "submit", "Submit", id="submit", priority=True,
                tooltip="Send your answer for grading"),
        Binding("ctrl+t", "hint", "Hint", id="hint", priority=True,
                tooltip="A nudge (practice mode; it lowers the score a little)"),
        Binding("ctrl+n", "skip", "Skip", id="skip", priority=True,
                tooltip="Move on without answering"),
        Binding("ctrl+o", "related_notes", "Notes", id="related_notes", priority=True,
                tooltip="Read the note behind this question (practice mode)"),
        Binding("ctrl+g", "end", "End", id="end", priority=True,
                tooltip="End the interview and see the report"),
        Binding("escape", "stop_speaking", "Stop", id="stop_speaking", priority=True,
                tooltip="While an LLM interviewer is speaking: stop it and show the question "
                        "as written"),
    ]

    def __init__(self, config: SessionConfig | None = None, resume: str | None = None) -> None:
        super().__init__()
        self.config = config
        self.resume_id = resume
        self.iv: Interview | None = None
        self.busy = True
        self.pending_answer = ""
        self._dirty = False
        self._streaming: ChatMessage | None = None
        self.streamed_chunks = 0
        self._llm_warned = False
        self.iv_opening: Interview | None = None
        self.editor = AnswerEditor()
        self._time_up_pending = False

    @property
    def coaching(self) -> bool:
        """Practice mode (feedback, hints, notes); False in a mock interview."""
        if self.iv is not None:
            return self.iv.config.coaching
        return self.config.coaching if self.config else True

    def compose(self) -> ComposeResult:
        yield Header(icon="◆")
        with Horizontal(id="interview-body"):
            with Vertical(id="main"):
                yield Transcript(id="transcript")
                yield self.editor
                yield Static(self.keys_line(), id="keys-line")
            yield SidePanel(clock=self.coach.clock)
        yield Footer()

    def on_mount(self) -> None:
        self.set_status("Preparing your session…")
        self.editor.focus()
        self.set_interval(DRAFT_SECONDS, self.flush_draft)
        self.open_session()

    def on_unmount(self) -> None:
        self.flush_draft()
        for iv in (self.iv, self.iv_opening):
            if iv is not None:
                iv.cancel.set()  # stop a provider that is still streaming

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "stop_speaking":  # only while an LLM interviewer is speaking
            return self._speaking() is not None
        # Hidden from the footer in mock interviews, which allow neither.
        return not (action in ("hint", "related_notes") and not self.coaching)

    def _speaking(self) -> Interview | None:
        iv = self.iv or self.iv_opening
        return iv if iv is not None and iv.phrasing and not iv.cancel.is_set() else None

    def action_stop_speaking(self) -> None:
        iv = self._speaking()
        if iv is not None:
            iv.cancel.set()  # the engine shows the question as written instead
            self.notify("Stopped the interviewer; the question is shown as written.",
                        timeout=4)
            self.refresh_bindings()

    def keys_line(self) -> str:
        """The line under the editor, read from BINDINGS so it cannot drift from the keys."""
        shown = ("hint", "skip", "related_notes", "end")
        keys = {b.id: b for b in self.BINDINGS if isinstance(b, Binding)}
        return " · ".join(f"{keys[i].key} {keys[i].description.lower()}" for i in shown)

    def set_status(self, text: str) -> None:
        self.query_one("#keys-line", Static).update(text or self.keys_line())
        self.query_one("#keys-line", Static).set_class(bool(text), "-busy")

    # -- workers: the engine runs off the UI thread ------------------------------------------

    @work(thread=True, exclusive=True, exit_on_error=False, group="engine")
    def open_session(self) -> None:
        from coach.interview.events import Open
        from coach.interview.session import Interview

        try:
            if self.resume_id:
                iv = Interview.resume(self.coach.services, self.resume_id)
            else:
                assert self.config is not None
                iv = Interview.start(self.coach.services, self.config)
            if self.coach.services.chat is not None:
                iv.on_token = self._on_token  # the engine streams the provider's words here
            self.iv_opening = iv
            events = iv.advance(Open())
            draft = ""
            if iv.turn is not None and iv.record.status == "active":
                draft = self.coach.services.repo.draft(iv.id, iv.turn.position)
        except Exception as exc:
            self.post_message(EngineFailed("open", _describe(exc)))
            return
        self.post_message(EngineDone("open", iv, events, text=draft))

    @work(thread=True, exclusive=True, exit_on_error=False, group="engine")
    def run_engine(self, name: str, action: Action) -> None:
        """name: what the user asked for ("submit", "skip", ...), for the messages."""
        iv = self.iv
        assert iv is not None
        iv.cancel.clear()  # a stop applies to the line being spoken, not to later ones
        try:
            events = iv.advance(action)
        except Exception as exc:
            self.post_message(EngineFailed(name, _describe(exc)))
            return
        self.post_message(EngineDone(name, iv, events))

    # -- results ----------------------------------------------------------------------------

    async def on_engine_failed(self, message: EngineFailed) -> None:
        self.busy = False
        self.set_status("")
        if message.action == "open":
            self.notify(message.error, title="Cannot open the session", severity="error",
                        timeout=15)
            self.app.pop_screen()
            return
        if message.action == "submit":
            await self._drop_pending_answer()
        self.notify(f"{message.error}\nYour answer is saved and still in the editor; "
                    "press ctrl+s to try again.",
                    title=f"{message.action.title()} failed", severity="error", timeout=15)

    async def on_engine_done(self, message: EngineDone) -> None:
        self.iv = message.interview
        self.set_status("")
        self.refresh_bindings()
        try:
            await self._show_done(message)
        finally:
            # Only once the result is on screen: a key pressed while a resumed session's
            # lines are still being added waits, as it does while the engine runs (nothing
            # shown here starts the engine again).
            self.busy = False

    async def _show_done(self, message: EngineDone) -> None:
        editor = self.editor
        if message.action == "open":
            await self._replay(message.interview)
            if message.text:
                editor.text = message.text
                editor.move_cursor(editor.document.end)
                self.notify("Your unsent draft was restored.", timeout=4)
        elif message.action == "submit":
            editor.text = ""  # the engine has forgotten the draft: the answer is saved
            self._dirty = False
            self.pending_answer = ""
        elif message.action == "skip":
            editor.text = ""
            self._dirty = False
        for event in message.events:
            if not await self.show_event(event):
                break
        self._update_score()

    def _warn_llm(self, grade: Grade) -> None:
        llm = grade.llm
        if llm is not None and llm.failed and not self._llm_warned:
            self._llm_warned = True
            self.notify(f"The LLM judge could not be used: {llm.error or llm.reason}\n"
                        "Grades are the offline grader's. Check the provider in Settings (F4).",
                        title="Provider unavailable", severity="warning", timeout=15)

    async def show_event(self, event: Event) -> bool:
        """Render one engine event; False once the screen is left (the session finished)."""
        from coach.interview.events import (
            AnswerGraded,
            Finished,
            FollowUpAsked,
            HintGiven,
            QuestionAsked,
            Skipped,
        )

        iv = self.iv
        assert iv is not None
        transcript = self.query_one(Transcript)
        panel = self.query_one(SidePanel)
        if isinstance(event, Finished):
            self.flush_draft()
            self.coach.open_report(iv.id, replace=True)
            return False
        if isinstance(event, HintGiven):
            await transcript.add("interviewer", event.text)
        elif isinstance(event, AnswerGraded):
            self._warn_llm(event.grade)
            if event.show_feedback:
                # A next question may already be streaming in; the feedback goes above it.
                await transcript.add("feedback", grade_markdown(event.grade),
                                     before=self._streaming)
                panel.show_rubric(event.grade)
        elif isinstance(event, Skipped):
            await transcript.add("coach", "Skipped.", before=self._streaming)
        elif isinstance(event, FollowUpAsked):
            self._warn_llm(event.grade)
            await self.say(event.text)
        elif isinstance(event, QuestionAsked):
            q = event.question
            panel.show_question(q, event.position, event.total, iv.config.mode,
                                self._time_limit(iv))
            self.editor.for_code(q.kind == "coding")
            say = event.text
            signature = getattr(q.question, "signature", "")
            if signature:
                say += f"\n\n```python\n{signature}\n```"
            elif getattr(q.question, "language", "") == "sql":
                say += f"\n\n```sql\n{q.question.schema_sql.strip()}\n```"  # type: ignore[union-attr]
            await self.say(say)
        return True

    def _time_limit(self, iv: Interview) -> float | None:
        """Seconds per question in a mock interview; None in practice mode."""
        if iv.config.coaching:
            return None
        return self.coach.services.settings.interview.mock_minutes_per_question * 60.0

    async def say(self, text: str) -> None:
        """The interviewer speaks; a line that streamed in is corrected to the final wording."""
        shown = self._streaming
        self._streaming = None
        if shown is None:
            await self.query_one(Transcript).add("interviewer", text)
        elif shown.text != text:
            shown.text = text
            await shown.update(text)

    def _on_token(self, chunk: str) -> None:
        """Called on the worker thread while a provider streams the interviewer's line."""
        self.post_message(StreamChunk(chunk))

    async def on_stream_chunk(self, message: StreamChunk) -> None:
        self.streamed_chunks += 1
        if self._streaming is None:
            self._streaming = await self.query_one(Transcript).add("interviewer", "")
            self.refresh_bindings()  # "Stop" appears while the interviewer speaks
        await self._streaming.add_chunk(message.chunk)
        self.query_one(Transcript).scroll_end(animate=False)

    async def _replay(self, iv: Interview) -> None:
        """Show what was said before when a session is resumed."""
        from coach.interview.events import AnswerGraded, Said

        transcript = self.query_one(Transcript)
        if iv.plan.notes and not iv.record.turns[:-1]:
            await transcript.add("coach", "\n".join(f"- {n}" for n in iv.plan.notes))
        for event in iv.transcript():
            if isinstance(event, Said):
                await transcript.add(event.who, event.text)
            elif isinstance(event, AnswerGraded) and event.show_feedback:
                await transcript.add("feedback", grade_markdown(event.grade))
        turn, q = iv.turn, iv.question
        if turn is not None and q is not None and turn.state in ("asking", "following_up"):
            position, total = iv.progress()
            self.query_one(SidePanel).show_question(q, position, total, iv.config.mode,
                                                    self._time_limit(iv))

    def _update_score(self) -> None:
        if self.iv is None:
            return
        graded = [t for t in self.iv.record.turns if t.score is not None and not t.skipped
                  and t.state == "graded"]
        score = (sum(float(t.score or 0) for t in graded) / len(graded)) if graded else None
        if not self.coaching:
            score = None  # mock interviews keep the verdict for the end
        self.query_one(SidePanel).set_score(score, len(graded))

    async def _drop_pending_answer(self) -> None:
        messages = self.query_one(Transcript).messages()
        if messages and messages[-1].role == "you":
            await messages[-1].remove()

    # -- drafts -----------------------------------------------------------------------------

    @on(TextArea.Changed, "#answer")
    def _typed(self) -> None:
        self._dirty = True

    def flush_draft(self) -> None:
        """Save the editor's text if it changed (called every second and on the way out)."""
        iv = self.iv
        if not self._dirty or iv is None or iv.turn is None or self.pending_answer:
            return
        self._dirty = False
        text = self.editor.text
        try:
            if text.strip():
                iv.repo.save_draft(iv.id, iv.turn.position, text)
            else:
                iv.repo.clear_draft(iv.id, iv.turn.position)
        except CoachError as exc:
            self._dirty = True
            self.notify(f"Draft not saved: {exc}", severity="error", timeout=8)

    # -- actions ----------------------------------------------------------------------------

    def _ready(self) -> bool:
        if self.busy or self.iv is None:
            self.notify("One moment — the interviewer is still busy.", timeout=3)
            return False
        return True

    async def action_submit(self) -> None:
        if not self._ready():
            return
        answer = self.editor.text
        if not answer.strip():
            self.notify("Write an answer first (or ctrl+n to skip).", severity="warning",
                        timeout=4)
            return
        await self._send(answer)

    async def _send(self, answer: str, *, final: bool = False) -> None:
        """Send an answer for grading; final: the time is up (the engine asks no follow-up
        after it)."""

        self.flush_draft()
        self.busy = True
        self.pending_answer = answer
        await self.query_one(Transcript).add("you", answer)
        grading = "Grading your answer…" if self.coach.warm_state == "ready" else \
            "Grading your answer (waiting for the model to finish loading)…"
        self.set_status(grading)
        self.run_engine("submit", TimeRanOut(answer) if final else Submit(answer))

    # -- the mock interview's clock ---------------------------------------------------------

    async def on_time_up(self, message: TimeUp) -> None:
        message.stop()
        if self.app.screen is not self:  # a dialog is open: act once the interview is on top
            self._time_up_pending = True
            return
        await self._time_up()

    async def on_screen_resume(self) -> None:
        if self._time_up_pending:
            self._time_up_pending = False
            await self._time_up()

    async def _time_up(self) -> None:
        """Time ran out: the draft is submitted as it stands; an empty one is a skip."""
        iv = self.iv
        if self.busy or iv is None or iv.turn is None or \
                iv.turn.state not in ("asking", "following_up"):
            return  # an answer is already on its way, or the session is ending
        answer = self.editor.text
        if answer.strip():
            self.notify("Your answer was submitted as it stands; the interview moves on.",
                        title="Time is up", severity="warning", timeout=6)
            await self._send(answer, final=True)
            return
        what = "the follow-up is left unanswered" if iv.turn.state == "following_up" \
            else "the question counts as skipped"
        self.notify(f"Nothing was written, so {what}.", title="Time is up",
                    severity="warning", timeout=6)
        self.busy = True
        self.set_status("Time is up — moving on…")
        self.run_engine("skip", TimeRanOut())

    def action_hint(self) -> None:
        if self._ready():
            self.busy = True
            self.run_engine("hint", Hint())

    def action_skip(self) -> None:
        if self._ready():
            self.busy = True
            self.set_status("Skipping…")
            self.run_engine("skip", Skip())

    def action_related_notes(self) -> None:
        if self.iv is None or self.iv.question is None:
            return
        if not self.coaching:
            self.notify("Notes are closed during a mock interview.", timeout=4)
            return
        self.coach.action_notes(self.iv.question.note_id)

    def action_end(self) -> None:
        from coach.tui.screens.confirm import ConfirmScreen

        if not self._ready():
            return

        def done(yes: bool | None) -> None:
            if yes:
                self._time_up_pending = False  # ending wins over a clock that ran out meanwhile
                self.busy = True
                self.flush_draft()
                self.set_status("Finishing…")
                self.run_engine("end", End())

        has_text = bool(self.editor.text.strip())
        note = " Your unsent answer will not be graded." if has_text else ""
        self.app.push_screen(ConfirmScreen(f"End the interview now?{note}"), done)


def _describe(exc: BaseException) -> str:
    if isinstance(exc, CoachError):
        return str(exc)
    return f"unexpected {type(exc).__name__}: {exc} — please report it; your work is saved"
