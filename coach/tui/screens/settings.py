"""Settings: provider, model, base URL (with a connection test) and the theme."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Footer, Header, Input, Label, Select, Static

from coach.errors import CoachError
from coach.tui.messages import ConnectionChecked
from coach.tui.screens.base import CoachScreen

PING = "Reply with a short greeting."

if TYPE_CHECKING:
    from coach.settings import Settings


class SettingsScreen(CoachScreen[None]):
    """Changes apply to this run at once; Save also writes them to the config file."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save", id="settings_save", priority=True),
        Binding("ctrl+t", "test", "Test connection", id="settings_test", priority=True),
        Binding("escape", "back", "Back", id="settings_back"),
    ]

    def compose(self) -> ComposeResult:
        s = self.coach.services.settings
        themes = sorted(self.app.available_themes)
        yield Header(icon="◆")
        with VerticalScroll(id="settings-form") as form:
            form.border_title = "Settings"
            with Horizontal(classes="row"):
                yield Label("Provider", classes="field")
                yield Input(s.provider, placeholder="offline, openai/MODEL, ollama/MODEL, "
                            "compatible/MODEL, local", compact=True, id="provider")
            with Horizontal(classes="row"):
                yield Label("Model", classes="field")
                yield Input(s.model, placeholder="e.g. gpt-4o-mini or llama3.1", compact=True,
                            id="model")
            with Horizontal(classes="row"):
                yield Label("Base URL", classes="field")
                yield Input(s.base_url, placeholder="http://127.0.0.1:11434/v1", compact=True,
                            id="base_url")
            with Horizontal(classes="row"):
                yield Label("Theme", classes="field")
                yield Select([(t, t) for t in themes], value=self.app.theme
                             if self.app.theme in themes else "textual-dark",
                             allow_blank=False, compact=True, id="theme")
            yield Static("The API key is read from COACH_API_KEY or OPENAI_API_KEY; it is "
                         "never written by this screen.", classes="hint")
            with Horizontal(id="settings-buttons"):
                yield Button("Test connection  ctrl+t", id="test", compact=True)
                yield Button("Save  ctrl+s", id="save", variant="primary", compact=True)
            yield Static("", id="connection")
            yield Static(f"Config file: {self.coach.services.paths.config_file}", classes="hint",
                         id="config-path")
        yield Footer()

    def _values(self) -> dict[str, str]:
        return {name: self.query_one(f"#{name}", Input).value.strip()
                for name in ("provider", "model", "base_url")}

    def _validated(self) -> Settings:
        """Settings with the form's values; ConfigError names a bad one."""
        from coach.settings import load_settings

        return load_settings(self.coach.services.paths, **self._values())

    @on(Select.Changed, "#theme")
    def _theme(self, event: Select.Changed) -> None:
        if isinstance(event.value, str) and event.value != self.app.theme:
            self.app.theme = event.value

    def action_test(self) -> None:
        try:
            settings = self._validated()
        except CoachError as exc:
            self._show(False, str(exc))
            return
        self.query_one("#connection", Static).update("Testing…")
        self.check(settings)

    @work(thread=True, exclusive=True, exit_on_error=False, group="settings-test")
    def check(self, settings: Settings) -> None:
        """One real request to the provider the form describes."""
        if settings.provider.strip() in ("", "offline"):
            self.post_message(ConnectionChecked(True, "The offline interviewer runs on this "
                                                      "machine; there is nothing to connect to."))
            return
        try:
            from coach.providers.base import Message
            from coach.providers.registry import provider_from_settings
        except ImportError:
            self.post_message(ConnectionChecked(False, "Only the offline provider is available "
                                                       "in this build (coach.providers is not "
                                                       "installed) — set provider to offline."))
            return
        started = time.perf_counter()
        try:
            chat = provider_from_settings(settings)
            if chat is None:
                raise CoachError("no provider configured — set provider")
            reply = "".join(chat.stream([Message("user", PING)]))
        except Exception as exc:
            text = str(exc) if isinstance(exc, CoachError) else f"{type(exc).__name__}: {exc}"
            self.post_message(ConnectionChecked(False, text))
            return
        seconds = time.perf_counter() - started
        if not reply.strip():
            self.post_message(ConnectionChecked(False, f"{chat.id} answered with an empty reply "
                                                       "— check that the model is a chat model"))
            return
        self.post_message(ConnectionChecked(True, f"{chat.id} answered in {seconds:.1f} s: "
                                                  f"{' '.join(reply.split())[:80]}"))

    def on_connection_checked(self, message: ConnectionChecked) -> None:
        self._show(message.ok, message.detail)

    def _show(self, ok: bool, detail: str) -> None:
        status = self.query_one("#connection", Static)
        status.set_class(ok, "-ok")
        status.set_class(not ok, "-error")
        status.update(("✓ " if ok else "✗ ") + detail)

    def action_save(self) -> None:
        from coach.tui.config_file import update_config

        try:
            settings = self._validated()
            values = self._values()
            values["theme"] = self.app.theme
            update_config(self.coach.services.paths.config_file, values)
        except CoachError as exc:
            self.notify(str(exc), title="Not saved", severity="error", timeout=10)
            return
        services = self.coach.services
        services.settings = settings.model_copy(update={"theme": self.app.theme})
        services._cache.pop("chat", None)  # the next interviewer line uses the new provider
        self.notify(f"Saved to {services.paths.config_file}", timeout=4)

    def action_back(self) -> None:
        self.app.pop_screen()

    @on(Button.Pressed, "#test")
    def _test_pressed(self) -> None:
        self.action_test()

    @on(Button.Pressed, "#save")
    def _save_pressed(self) -> None:
        self.action_save()
