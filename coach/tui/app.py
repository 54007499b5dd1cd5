"""The coach's Textual app: one factory for the CLI and the tests."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from textual import work
from textual.app import App
from textual.binding import Binding, BindingType
from textual.reactive import reactive
from textual.screen import Screen

from coach.errors import CoachError
from coach.tui.commands import CoachCommands
from coach.tui.messages import WarmupChanged

if TYPE_CHECKING:
    from coach.interview.session import SessionConfig
    from coach.services import Services

SCREENS_CSS = Path(__file__).with_name("screens.tcss")


class CoachApp(App[None]):
    """Interview practice in the terminal."""

    CSS_PATH = "app.tcss"
    TITLE = "coach"
    SUB_TITLE = "ML interview practice"
    COMMANDS = App.COMMANDS | {CoachCommands}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f1", "help", "Help", id="help", tooltip="Every key binding"),
        Binding("f2", "notes", "Notes", id="notes", tooltip="Search and read the notes"),
        Binding("f3", "history", "History", id="history", tooltip="Past sessions and progress"),
        Binding("f4", "settings", "Settings", id="settings", tooltip="Provider, model, theme"),
        Binding("ctrl+q", "quit", "Quit", id="quit", priority=True,
                tooltip="Quit (typed answers are already saved)"),
    ]

    warm_state: reactive[str] = reactive("starting")
    """What the background warm-up is doing; 'ready' when the grader can run at once."""

    def __init__(self, services: Services, config: SessionConfig | None = None,
                 resume: str | None = None, *, clock: Callable[[], float] = time.monotonic,
                 warm_up: bool = True, seed: int | None = None) -> None:
        super().__init__()
        self.services = services
        self.start_config = config
        self.resume_id = resume
        self.clock = clock
        self.seed = seed
        """Seed for sessions started from the home screen (None: a new plan each time)."""
        self._warm_up = warm_up
        self.keymap: dict[str, str] = {}
        self._screens_css = False
        self._home_open = False

    # -- start-up ---------------------------------------------------------------------------

    def on_mount(self) -> None:
        self._apply_theme(self.services.settings.theme)
        self._apply_keys(self.services.settings.keys)
        # The first screens open once Textual's start-up batch has ended: a screen pushed
        # inside it is laid out and rendered once for a frame that is never drawn, and a
        # sixth of the time to the first frame went to that.
        self.call_later(self._open_first_screens)

    def _open_first_screens(self) -> None:
        self._open_home()
        # The other screens' rules are not needed for the home screen's first frame.
        self.call_after_refresh(self.load_screens_css)
        if self.start_config is not None:
            self.start_session(self.start_config)
        elif self.resume_id:
            self.resume_session(self.resume_id)
        if self._warm_up:
            # After the first screen has painted in full (its widgets mount their own parts
            # during the first refresh), so that screen never shares the CPU with the model.
            self.call_after_refresh(self.call_after_refresh, self.warm_up)
        else:
            self.warm_state = "ready"

    def _open_home(self) -> None:
        """Push the home screen, once: first of all screens, also when another opens before
        `_open_first_screens` runs (a key typed ahead at start-up, a test)."""
        if self._home_open:
            return
        from coach.tui.screens.home import HomeScreen

        self._home_open = True
        self.push_screen(HomeScreen())

    def load_screens_css(self) -> None:
        """Add the other screens' rules (screens.tcss) after the home screen's (app.tcss), as
        if one file; done before any other screen opens."""
        if not self._screens_css:
            self._screens_css = True
            self.stylesheet.read(SCREENS_CSS)
            self.stylesheet.parse()

    def _apply_theme(self, name: str) -> None:
        if name not in self.available_themes:
            self.notify(f"setting 'theme': unknown theme '{name}' — pick one in Settings (F4); "
                        "using textual-dark", severity="warning", timeout=8)
            name = "textual-dark"
        self.theme = name

    def _apply_keys(self, keys: dict[str, str]) -> None:
        if not keys:
            return  # checking ids would import every screen before the first one shows
        known = {b.id for b in all_bindings() if b.id}
        unknown = sorted(k for k in keys if k not in known)
        if unknown:
            self.notify(f"setting 'keys': unknown binding id(s) {', '.join(unknown)} — see Help "
                        "(F1) for the ids; those entries are ignored", severity="warning",
                        timeout=10)
        self.keymap = {k: v for k, v in keys.items() if k in known}
        self.set_keymap(self.keymap)

    @work(thread=True, exclusive=True, exit_on_error=False, group="warmup")
    def warm_up(self) -> None:
        """Load the knowledge base, the database and the embedding model off the UI thread."""
        services = self.services
        try:
            self.post_message(WarmupChanged("loading the knowledge base"))
            services.kb  # noqa: B018 - the property loads and caches it
            self.post_message(WarmupChanged("opening your history"))
            services.repo  # noqa: B018
            self.post_message(WarmupChanged("loading the embedding model"))
            services.embedder.load()
            self.post_message(WarmupChanged("building the grader"))
            services.grader  # noqa: B018
        except CoachError as exc:
            self.post_message(WarmupChanged("error", error=str(exc)))
        except Exception as exc:
            self.post_message(WarmupChanged("error", error=f"{type(exc).__name__}: {exc}"))
        else:
            self.post_message(WarmupChanged("ready", ready=True))

    def on_warmup_changed(self, message: WarmupChanged) -> None:
        if message.error:
            self.warm_state = f"error: {message.error}"
            self.notify(f"{message.error}", title="Warm-up failed", severity="error",
                        timeout=15)
        else:
            self.warm_state = message.stage

    # -- navigation -------------------------------------------------------------------------

    def _open(self, screen_type: type[Screen[Any]], *args: Any, **kwargs: Any) -> None:
        if isinstance(self.screen, screen_type) and not args and not kwargs:
            return
        self._show(screen_type(*args, **kwargs))

    def _show(self, screen: Screen[Any], *, replace: bool = False) -> None:
        """Every screen after the home screen opens here, with the other screens' rules."""
        self._open_home()
        self.load_screens_css()
        if replace:
            self.switch_screen(screen)
        else:
            self.push_screen(screen)

    def action_help(self) -> None:
        from coach.tui.screens.help import HelpScreen

        self._open(HelpScreen)

    def action_notes(self, note_id: str = "") -> None:
        from coach.tui.screens.notes import NotesScreen

        if note_id:
            self._show(NotesScreen(note_id=note_id))
        else:
            self._open(NotesScreen)

    def action_history(self) -> None:
        from coach.tui.screens.history import HistoryScreen

        self._open(HistoryScreen)

    def action_settings(self) -> None:
        from coach.tui.screens.settings import SettingsScreen

        self._open(SettingsScreen)

    def action_home(self) -> None:
        from coach.tui.screens.home import HomeScreen

        while len(self.screen_stack) > 2 and not isinstance(self.screen, HomeScreen):
            self.pop_screen()
        if not isinstance(self.screen, HomeScreen) and len(self.screen_stack) > 1:
            self.pop_screen()

    def action_toggle_dark(self) -> None:
        self.theme = "textual-light" if self.current_theme.dark else "textual-dark"

    def start_session(self, config: SessionConfig) -> None:
        from coach.tui.screens.interview import InterviewScreen

        self._show(InterviewScreen(config=config))

    def resume_session(self, session_id: str) -> None:
        from coach.tui.screens.interview import InterviewScreen

        self._show(InterviewScreen(resume=session_id))

    def open_report(self, session_id: str, replace: bool = False) -> None:
        from coach.tui.screens.report import ReportScreen

        self._show(ReportScreen(session_id), replace=replace)


def all_bindings() -> list[Binding]:
    """Every binding the coach defines, app first, then each screen's."""
    from coach.tui.screens import screen_classes

    out: list[Binding] = []
    owners: list[type[Any]] = [CoachApp, *screen_classes()]
    for owner in owners:
        out += [b for b in owner.BINDINGS if isinstance(b, Binding)]
    return out


def run_app(services: Services | None = None, **kwargs: Any) -> None:
    """Run the app on the given services, or on ones built from the settings (the `coach`
    command with no arguments)."""
    if services is None:
        from coach.services import build_services

        services = build_services()
    app = CoachApp(services, **kwargs)
    try:
        app.run()
    finally:
        if "repo" in services._cache:
            services.repo.db.close()
