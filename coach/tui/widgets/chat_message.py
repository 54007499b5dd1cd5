"""One message in the interview transcript, rendered as Markdown."""

from __future__ import annotations

from textual.widgets import Markdown

TITLES = {"interviewer": "Interviewer", "you": "You", "feedback": "Feedback", "coach": "Coach"}


class ChatMessage(Markdown):
    """A transcript entry; `role` picks the border colour and title."""

    def __init__(self, role: str, text: str = "") -> None:
        super().__init__(text, classes=f"message -{role}", open_links=False)
        self.role = role
        self.border_title = TITLES.get(role, role.title())
        self.text = text

    async def add_chunk(self, chunk: str) -> None:
        """Append streamed text."""
        self.text += chunk
        await self.append(chunk)
