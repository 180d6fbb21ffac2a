"""The answer being written, in its own small state so that its updates never re-send the conversation.

`ChatActions.follow` feeds it updates about ten times a second, each with only the new text. The browser keeps the
text and puts each `piece` ("<offset>:<text>") at its offset; tool steps and charts are sent whole, and only when
they change.

Reflex names a state after its module and class, and that name is part of every update the state sends: this state
gives itself the module name `live` (34 bytes less per update). The module is imported by its real name, so this
file keeps its annotations unquoted (no `from __future__ import annotations`) and pickles through `_rebuilt`.
"""

import uuid
from typing import Any

import reflex as rx

from data360_chat.chats.service import LiveUpdate
from data360_chat.chats.views import ChartView, ToolView

SHORT_MODULE = "live"


def _rebuilt(state: dict[str, Any]) -> "StreamState":
    """A pickled `StreamState` restored (pickle finds this function by the module's real name)."""
    restored = StreamState.__new__(StreamState)
    restored.__setstate__(state)
    return restored


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

    def __reduce__(self) -> tuple[Any, tuple[dict[str, Any]]]:
        return _rebuilt, (self.__getstate__(),)

    def _begin(self, user_id: uuid.UUID, chat_id: uuid.UUID) -> None:
        """Show an answer of the user's chat as starting (the caller resolved the user)."""
        self._empty()
        self.active = True
        self._user_id, self._chat_id = str(user_id), str(chat_id)

    def _following(self) -> tuple[str, str, int]:
        """Who follows which chat, and a new generation: a follower stops once the generation moved on."""
        self._generation += 1
        return self._user_id, self._chat_id, self._generation

    def _clear(self) -> None:
        """No answer in flight; any follower still running stops at its next update."""
        self._empty()
        self.active = False

    def _empty(self) -> None:
        self._generation += 1
        self.stream, self.piece, self._text = "", "", ""
        self.tools, self.charts, self.failure, self.model, self.offline = [], [], "", "", False

    def _send(self, at: int, text: str) -> None:
        """Send `text` to be placed at offset `at` of the answer (one small var: `"<at>:<text>"`)."""
        self.piece = f"{at}:{text}"

    def _apply(self, update: LiveUpdate) -> None:
        if update.first:
            self.active = True
            self.stream = str(update.message_id or "")
            self.model, self.offline = update.model, update.offline
            self._text = update.text
            self._send(0, update.text)
            self.tools, self.charts = update.tools, update.charts
        else:
            if update.text:
                self._send(len(self._text), update.text)
                self._text += update.text
            if update.tools:
                steps = {tool.call_id: tool for tool in self.tools}
                steps.update({tool.call_id: tool for tool in update.tools})
                self.tools = list(steps.values())
            if update.charts:
                self.charts = [*self.charts, *update.charts]
        if update.failure:
            self.failure = update.failure

    @rx.event
    def resync(self) -> None:
        """The browser missed an update: send the whole text so far."""
        self._send(0, self._text)
