"""Home: set up a session, see the provider, resume unfinished work, reviews due."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Footer, Header, Input, Label, Select, SelectionList, Static
from textual.widgets.selection_list import Selection

from coach.errors import CoachError
from coach.knowledge.vocabulary import DIFFICULTIES, ROLES, TRACKS
from coach.tui.screens.base import CoachScreen
from coach.tui.widgets.form_select import FormSelect
from coach.tui.widgets.warmup import WarmupIndicator

if TYPE_CHECKING:
    from coach.interview.records import Session
    from coach.interview.session import SessionConfig

FORM_LABELS = ("Role", "Difficulty", "Questions", "Mode", "Job desc.")
MODES = [("practice — feedback after each answer, hints", "practice"),
         ("mock — timed, feedback at the end", "mock")]


class SetupColumn(VerticalScroll):
    """The form's scrolling column. Focus restyles the column alone.

    Textual restyles every widget inside a widget whose focus changes, for rules that style
    contents by their container's focus; no rule does that for this column (a test checks),
    and restyling its ~35 widgets when it takes the focus was a sixth of the work before the
    home screen's first frame.
    """

    def watch_has_focus(self, _has_focus: bool) -> None:
        self.app.stylesheet.update_nodes([self], animate=True)


class HomeScreen(CoachScreen[None]):
    """The first screen; it needs neither the knowledge base nor the embedding model."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "start", "Start", id="start", priority=True,
                tooltip="Start a session with these settings"),
        Binding("ctrl+r", "resume", "Resume", id="resume", priority=True,
                tooltip="Resume the unfinished session"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.unfinished: Session | None = None
        self._shown = False

    def compose(self) -> ComposeResult:
        settings = self.coach.services.settings
        yield Header(icon="◆")
        with Horizontal(id="home-body"):
            with SetupColumn(id="setup") as setup:
                setup.border_title = "New interview"
                # One column of labels beside one column of fields (five label-and-field rows
                # were ten widgets more to mount and style before the first frame).
                with Horizontal(id="form"):
                    yield Static("\n\n".join(FORM_LABELS), id="form-labels")
                    with Vertical(id="form-fields"):
                        yield FormSelect([(r, r) for r in ROLES], value=settings.interview.role,
                                         allow_blank=False, compact=True, id="role")
                        yield FormSelect([("adaptive", "adaptive"),
                                          *[(d, d) for d in DIFFICULTIES]],
                                         value="adaptive", allow_blank=False, compact=True,
                                         id="difficulty")
                        yield Input(str(settings.interview.questions), type="integer",
                                    compact=True, id="questions")
                        yield FormSelect(MODES, value="practice", allow_blank=False,
                                         compact=True, id="mode")
                        yield Input(placeholder="optional: path to a job description file",
                                    compact=True, id="jd")
                yield Label("Tracks (space toggles; none ticked = all tracks)", classes="hint")
                yield SelectionList[str](*[Selection(t, t) for t in TRACKS], id="tracks")
                yield Button("Start interview  ctrl+s", variant="primary", id="start",
                             compact=True)
            with Vertical(id="status"):
                yield Static(self._provider_text(), id="provider")
                yield WarmupIndicator(id="warmup")
                yield Static("Reviews due: …", id="due")
                yield Static("", id="unfinished")
                yield Button("Resume  ctrl+r", id="resume", compact=True, disabled=True)
                yield Static("F1 help · F2 notes · F3 history · F4 settings · ctrl+p commands",
                             id="home-keys")
        yield Footer()

    def _provider_text(self) -> str:
        s = self.coach.services.settings
        if s.provider in ("", "offline"):
            return "Provider: offline — everything runs on this machine"
        model = f" · model {s.model}" if s.model else ""
        url = f"\n{s.base_url}" if s.base_url else ""
        return f"Provider: {s.provider}{model}{url}"

    def on_mount(self) -> None:
        self.query_one("#setup").focus()

    @on(events.ScreenResume)
    def _styled_on_mount(self, event: events.ScreenResume) -> None:
        """On its first showing, every widget here was styled a moment ago as it mounted; the
        restyle of the whole screen Textual does on each resume would repeat that work
        before the first frame (a test checks a full restyle then changes nothing)."""
        if not self._shown:
            self._shown = True
            event.refresh_styles = False

    def on_screen_resume(self) -> None:
        # Also sent when the screen is first shown. The counts are read after the screen has
        # painted, so the database never holds up the form; until then they show "…".
        self.query_one("#provider", Static).update(self._provider_text())
        self.call_after_refresh(self.load_status)

    @work(thread=True, exclusive=True, exit_on_error=False, group="home-status")
    def load_status(self) -> None:
        """Reviews due and the newest unfinished session (a database read, off the UI thread)."""
        from coach.interview.review import due_questions

        try:
            repo = self.coach.services.repo
            due = due_questions(repo)
            unfinished = repo.unfinished()
        except CoachError as exc:
            self.app.call_from_thread(self.notify, str(exc), severity="error", timeout=10)
            return
        self.app.call_from_thread(self._show_status, len(due),
                                  unfinished[0] if unfinished else None)

    def _show_status(self, due: int, unfinished: Session | None) -> None:
        self.query_one("#due", Static).update(
            f"Reviews due: {due} question(s)" + (" — they come first in a session" if due
                                                  else ""))
        self.unfinished = unfinished
        button = self.query_one("#resume", Button)
        if unfinished is None:
            self.query_one("#unfinished", Static).update("No unfinished session.")
            button.disabled = True
            return
        done = sum(1 for t in unfinished.turns if t.state == "graded")
        total = unfinished.config.get("questions", "?")
        self.query_one("#unfinished", Static).update(
            f"Unfinished: {unfinished.id}\n{unfinished.mode} · {unfinished.role} · "
            f"{done}/{total} done · {unfinished.updated_at[:16].replace('T', ' ')}")
        button.disabled = False

    # -- actions ----------------------------------------------------------------------------

    def read_config(self) -> SessionConfig:
        """The form as a SessionConfig; CoachError names the field to fix."""
        # Imported here: the engine's modules are not needed to show this screen.
        from coach.interview.session import SessionConfig

        settings = self.coach.services.settings
        raw = self.query_one("#questions", Input).value.strip()
        if not raw.isdigit() or not 1 <= int(raw) <= 50:
            raise CoachError(f"Questions: '{raw}' is not a whole number from 1 to 50 — "
                             "type one")
        jd_text = ""
        jd_path = self.query_one("#jd", Input).value.strip()
        if jd_path:
            path = Path(jd_path).expanduser()
            try:
                jd_text = path.read_text(encoding="utf-8", errors="replace")
            except OSError as exc:
                raise CoachError(f"Job description: cannot read {path} ({exc.strerror}) — "
                                 "check the path or clear the field") from None
        difficulty = str(self.query_one("#difficulty", Select).value)
        return SessionConfig.checked(
            role=str(self.query_one("#role", Select).value),
            tracks=list(self.query_one("#tracks", SelectionList).selected),
            difficulty=None if difficulty == "adaptive" else difficulty,
            questions=int(raw), seed=self.coach.seed,
            mode=str(self.query_one("#mode", Select).value),
            followups=settings.interview.followups, job_description=jd_text)

    def action_start(self) -> None:
        try:
            config = self.read_config()
        except CoachError as exc:
            self.notify(str(exc), title="Cannot start", severity="error", timeout=8)
            return
        self.coach.start_session(config)

    def action_resume(self) -> None:
        if self.unfinished is None:
            self.notify("No unfinished session to resume — start a new one", timeout=5)
            return
        self.coach.resume_session(self.unfinished.id)

    @on(Button.Pressed, "#start")
    def _start_pressed(self) -> None:
        self.action_start()

    @on(Button.Pressed, "#resume")
    def _resume_pressed(self) -> None:
        self.action_resume()
