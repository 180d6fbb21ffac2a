"""The open conversation as the page shows it: its messages, title and notices (data only; `ChatActions` acts).

Messages loaded with the chat live in their own state (`HistoryState`) and are sent once; turns added afterwards go
to `recent`, so a new question or answer neither re-sends nor re-renders the history.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import reflex as rx

from data360_chat.chats.views import MessageView

STARTERS = [
    "How has life expectancy changed in India since 1990?",
    "Compare GDP per capita of Brazil, Mexico and Argentina",
    "Which countries have the highest CO2 emissions per capita?",
    "Access to electricity in Kenya over time",
]

Views = list[MessageView]


class HistoryState(rx.State):
    """The messages loaded with the chat (sent again only when one of them changes: regenerate, edit, a rating)."""

    messages: Views = rx.field(default_factory=list)


class ChatState(rx.State):
    """The open chat."""

    chat_id: str = ""
    title: str = ""
    recent: Views = rx.field(default_factory=list)
    empty: bool = True
    last_question: str = ""
    last_answer_id: int = 0
    last_cut_short: bool = False
    notice: str = ""
    announcement: str = ""
    editing: bool = False

    async def _show(self, chat_id: str, title: str, messages: Views, notice: str = "") -> None:
        """Show a chat afresh (empty for a new one)."""
        self.chat_id, self.title, self.notice, self.editing, self.recent = chat_id, title, notice, False, []
        (await self.get_state(HistoryState)).messages = messages
        await self._summarize()

    async def _change(self, change: Callable[[Views], Views]) -> None:
        """Apply `change` to the history and to the turns added since; only a list that changed is sent again."""
        history = await self.get_state(HistoryState)
        changed = change(history.messages)
        if changed != history.messages:
            history.messages = changed
        changed = change(self.recent)
        if changed != self.recent:
            self.recent = changed
        await self._summarize()

    async def _summarize(self) -> None:
        """Keep `empty`, `last_question` and the last answer's id (and whether it was cut short) in step."""
        turns = [*(await self.get_state(HistoryState)).messages, *self.recent]
        empty = not turns
        last_question = next((view.content for view in reversed(turns) if view.role == "user"), "")
        last = turns[-1] if turns and turns[-1].role == "assistant" else None
        last_answer_id, last_cut_short = (last.id, bool(last.ending)) if last is not None else (0, False)
        if empty != self.empty:
            self.empty = empty
        if last_question != self.last_question:
            self.last_question = last_question
        if last_answer_id != self.last_answer_id:
            self.last_answer_id = last_answer_id
        if last_cut_short != self.last_cut_short:
            self.last_cut_short = last_cut_short

    async def _last_question(self) -> MessageView | None:
        turns = [*(await self.get_state(HistoryState)).messages, *self.recent]
        return next((view for view in reversed(turns) if view.role == "user"), None)

    async def _add(self, view: MessageView) -> None:
        self.recent = [*self.recent, view]
        await self._summarize()

    async def _drop_from(self, message_id: int) -> None:
        """Forget the message `message_id` and every later one (regenerate, edit and resend)."""
        await self._change(lambda views: [view for view in views if view.id < message_id])

    async def _put_answer(self, view: MessageView) -> None:
        """A finished answer: replace the one with its id, or add it; announce it to screen readers."""
        known = any(existing.id == view.id for existing in self.recent)
        known = known or any(existing.id == view.id for existing in (await self.get_state(HistoryState)).messages)
        if known:
            await self._change(lambda views: [view if existing.id == view.id else existing for existing in views])
        else:
            await self._add(view)
        if view.status == "complete":
            self.announcement = "New answer: " + " ".join(view.content.split())[:200]
        elif view.ending:
            self.announcement = f"The answer was cut short ({view.ending}): {view.ending_detail}"
        else:
            self.announcement = "The answer stopped: " + (view.error or view.status)

    async def _rated(self, message_id: int, rating: int) -> None:
        """Show the user's rating on an answer."""

        def rate(views: Views) -> Views:
            return [dataclasses.replace(view, rating=rating) if view.id == message_id else view for view in views]

        await self._change(rate)

    @rx.event
    def set_editing(self, editing: bool) -> None:
        """Open or close the editor of the last question."""
        self.editing = editing

    @rx.event
    def dismiss_notice(self) -> None:
        """Hide the notice under the composer."""
        self.notice = ""
