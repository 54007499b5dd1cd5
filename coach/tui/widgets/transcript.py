"""The scrolling interview transcript."""

from __future__ import annotations

from textual.containers import VerticalScroll

from coach.tui.widgets.chat_message import ChatMessage


class Transcript(VerticalScroll):
    """Messages from the interviewer, the candidate and the coach, newest at the bottom."""

    can_focus = True

    async def add(self, role: str, text: str, before: ChatMessage | None = None) -> ChatMessage:
        message = ChatMessage(role, text)
        await self.mount(message, before=before)
        self.scroll_end(animate=False)
        return message

    def messages(self) -> list[ChatMessage]:
        return list(self.query(ChatMessage))
