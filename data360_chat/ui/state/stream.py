"""The answer being written, in its own small state so that its updates never re-send the conversation.

A background event follows the chat's answer through the runner (about ten updates a second, each with only the new
text). The browser keeps the text and puts each `piece` ("<offset>:<text>") at its offset; only tool steps and charts
are sent whole, and only when they change. When the answer ends, the stored answer joins the conversation and this
state empties.
"""

from __future__ import annotations

import contextlib
import sys
import uuid

import reflex as rx

from data360_chat.assistant.llm import OFFLINE_MODEL
from data360_chat.db.engine import get_database
from data360_chat.repositories import NotFound
from data360_chat.streams import AnswerUpdate, get_runner
from data360_chat.streams.stored import load_answer
from data360_chat.ui.state.auth import AuthState, user_data_state
from data360_chat.ui.state.chat_data import parse_id
from data360_chat.ui.state.chat_views import (
    ChartView,
    MessageView,
    ToolView,
    chart_from_event,
    message_view,
    tool_from_step,
    ungrounded_text,
)

# Reflex names a state after its module and class, and that name is part of every update the state sends. This
# state sends about ten updates a second, so it lives (as Reflex's own dynamic states do) in a module with a short
# name, another name of this module (so annotations and pickling resolve): 34 bytes less per update.
SHORT_MODULE = "live"
FLUSH_INTERVAL = 0.11  # seconds between two updates of the text: about 9 a second
sys.modules.setdefault(SHORT_MODULE, sys.modules[__name__])


async def finished_view(user_id: uuid.UUID, update: AnswerUpdate) -> MessageView | None:
    """The stored answer that `update` ended, as the conversation shows it."""
    if update.message_id is None:
        return None
    stored = await load_answer(get_database(), user_id, update.message_id)
    if stored is None:
        return None
    view = message_view(stored.message, offline_model=OFFLINE_MODEL, calls=stored.tool_calls, charts=stored.charts)
    if update.done is not None and update.done.ungrounded_numbers:
        view.ungrounded = ungrounded_text(update.done.grounded_share, update.done.ungrounded_numbers)
    return view


@user_data_state
class StreamState(rx.State):
    """The in-flight answer of the open chat."""

    __module__ = SHORT_MODULE

    active: bool = False
    stream: str = ""
    piece: str = ""
    tools: list[ToolView] = rx.field(default_factory=list)
    charts: list[ChartView] = rx.field(default_factory=list)
    model: str = ""
    offline: bool = False
    failure: str = ""

    _text: str = ""
    _generation: int = 0
    _user_id: str = ""
    _chat_id: str = ""

    def _send(self, at: int, text: str) -> None:
        """Send `text` to be placed at offset `at` of the answer (one small var: `"<at>:<text>"`)."""
        self.piece = f"{at}:{text}"

    def begin(self, user_id: uuid.UUID, chat_id: uuid.UUID) -> None:
        """Show an answer of the user's chat as starting; `follow` then follows it (the caller resolved the user)."""
        self._empty()
        self.active = True
        self._user_id, self._chat_id = str(user_id), str(chat_id)

    def clear(self) -> None:
        """No answer in flight; any follower still running stops at its next update."""
        self._empty()
        self.active = False

    def _empty(self) -> None:
        self._generation += 1
        self.stream, self.piece, self._text = "", "", ""
        self.tools, self.charts, self.failure, self.model, self.offline = [], [], "", "", False

    def _apply(self, update: AnswerUpdate) -> None:
        if update.first:
            self.active = True
            self.stream = str(update.message_id or "")
            self.model, self.offline = update.model, update.offline
            self._text = update.text
            self._send(0, update.text)
            self.tools = [tool_from_step(step) for step in update.tools]
            self.charts = [chart_from_event(chart, index) for index, chart in enumerate(update.charts)]
        else:
            if update.text:
                self._send(len(self._text), update.text)
                self._text += update.text
            if update.tools:
                steps = {tool.call_id: tool for tool in self.tools}
                steps.update({step.call_id: tool_from_step(step) for step in update.tools})
                self.tools = list(steps.values())
            if update.charts:
                start = len(self.charts)
                self.charts = [*self.charts, *(chart_from_event(c, start + i) for i, c in enumerate(update.charts))]
        if update.failure:
            self.failure = update.failure

    @rx.event
    def resync(self) -> None:
        """The browser missed an update: send the whole text so far."""
        self._send(0, self._text)

    @rx.event(background=True)
    async def follow(self) -> None:
        """Follow the open chat's answer until it ends, then move it into the conversation."""
        from data360_chat.ui.state.chat import ChatState  # the conversation state starts this follower

        async with self:
            user_id, chat_id = parse_id(self._user_id), parse_id(self._chat_id)
            self._generation += 1
            generation = self._generation
        if user_id is None or chat_id is None:
            return
        checked = False
        with contextlib.suppress(NotFound):
            async for update in get_runner().follow(user_id, chat_id, interval=FLUSH_INTERVAL):
                if update.done is None:
                    async with self:
                        if self._generation != generation:
                            return
                        self._apply(update)
                    if not checked:  # after the first update (usually before any text): still this user's tab?
                        checked = True
                        async with self:
                            if await (await self.get_state(AuthState)).current_user_id() != user_id:
                                self.clear()
                                return
                    continue
                view = await finished_view(user_id, update)
                async with self:
                    if self._generation != generation:
                        return
                    chat = await self.get_state(ChatState)
                    if view is not None:
                        await chat.put_answer(view)
                    self.clear()
                return
        async with self:
            if self._generation == generation:
                self.clear()
