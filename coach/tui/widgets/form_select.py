"""A Select for forms shown at start-up: its option list is built when it first opens."""

from __future__ import annotations

from collections.abc import Coroutine
from typing import Any

from textual.app import ComposeResult
from textual.css.query import NoMatches
from textual.widgets import Select
from textual.widgets._select import SelectCurrent, SelectOverlay


class FormSelect(Select[str]):
    """A Select whose option list (hidden until it opens) is built when it first opens.

    Building the three hidden lists was an eighth of the work before the home screen's first
    frame; opened, the list looks and behaves as Select's own.
    """

    def compose(self) -> ComposeResult:
        current = SelectCurrent(self.prompt)
        # Styled once as holding a value (it holds one before the first frame), rather than
        # restyled when the value arrives on mount.
        if self._value != self.NULL:
            current.set_reactive(SelectCurrent.has_value, True)
            current.add_class("-has-value", update=False)
        yield current

    def _overlay(self) -> SelectOverlay | None:
        try:
            return self.query_one(SelectOverlay)
        except NoMatches:
            return None

    async def _build_overlay(self) -> None:
        if self._overlay() is not None:
            return
        overlay = SelectOverlay(type_to_search=self._type_to_search)
        overlay.compact = self.compact
        await self.mount(overlay)
        super()._setup_options_renderables()
        # As Select does whenever the value changes: the list highlights the current value.
        for index, (_prompt, value) in enumerate(self._options):
            if value == self.value:
                overlay.highlighted = index
                break

    def _setup_options_renderables(self) -> None:
        if self._overlay() is not None:
            super()._setup_options_renderables()

    def _watch_value(self, value: str | Any) -> None:
        if self._overlay() is not None:
            super()._watch_value(value)
            return
        self._value = value
        try:
            current = self.query_one(SelectCurrent)
        except NoMatches:
            return
        if value == self.NULL:
            current.update(self.NULL)
        else:
            current.update(next(prompt for prompt, option in self._options if option == value))
        self.post_message(self.Changed(self, value))

    def _watch_expanded(  # type: ignore[override]  # async until the list is built
            self, expanded: bool) -> Coroutine[Any, Any, None] | None:
        if self._overlay() is not None:
            super()._watch_expanded(expanded)
            return None
        return self._expand_built()

    async def _expand_built(self) -> None:
        await self._build_overlay()
        super()._watch_expanded(self.expanded)

    async def action_show_overlay(self) -> None:  # type: ignore[override]
        await self._build_overlay()
        super().action_show_overlay()
