"""The multi-line answer editor."""

from __future__ import annotations

from textual.widgets import TextArea


class AnswerEditor(TextArea):
    """A soft-wrapping editor for answers (code questions get Python highlighting)."""

    def __init__(self, id: str = "answer") -> None:
        super().__init__("", id=id, soft_wrap=True, show_line_numbers=False, tab_behavior="indent",
                         placeholder="Type your answer… (ctrl+s submits)")
        self.border_title = "Your answer"
        self.border_subtitle = "ctrl+s submit"

    def for_code(self, code: bool) -> None:
        """Switch between prose and Python (line numbers and highlighting)."""
        self.show_line_numbers = code
        try:
            self.language = "python" if code else None
        except Exception:  # tree-sitter grammar not installed: plain text still works
            self.language = None
