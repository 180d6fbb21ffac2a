"""The open conversation: its messages, the composer and the actions on answers.

Every handler resolves the user on the server (`AuthState`) and goes through repositories or the answer runner,
which only ever see that user's rows: another user's chat id behaves like one that does not exist. Messages loaded
with the chat live in their own state (`HistoryState`) and are sent once; turns added afterwards go to `recent`, so
a new question or answer neither re-sends nor re-renders the history.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Awaitable

import reflex as rx
from reflex.event import EventSpec

from data360_chat.assistant.events import AnswerStarted
from data360_chat.assistant.pipeline import MessageRejected, NothingToRegenerate, check_message
from data360_chat.repositories import NotFound
from data360_chat.repositories.messages import ChatBusy
from data360_chat.settings import get_settings
from data360_chat.streams import get_runner
from data360_chat.ui.state import chat_data
from data360_chat.ui.state.auth import AuthState, user_data_state
from data360_chat.ui.state.chat_views import MessageView
from data360_chat.ui.state.stream import StreamState

STARTERS = [
    "How has life expectancy changed in India since 1990?",
    "Compare GDP per capita of Brazil, Mexico and Argentina",
    "Which countries have the highest CO2 emissions per capita?",
    "Access to electricity in Kenya over time",
]
GONE = "This chat does not exist or was deleted."

Events = EventSpec | list[EventSpec] | None


@user_data_state
class HistoryState(rx.State):
    """The messages loaded with the chat (sent again only when one of them changes: regenerate, edit, a rating)."""

    messages: list[MessageView] = rx.field(default_factory=list)


@user_data_state
class ChatState(rx.State):
    """The open chat."""

    chat_id: str = ""
    title: str = ""
    recent: list[MessageView] = rx.field(default_factory=list)
    empty: bool = True
    last_question: str = ""
    notice: str = ""
    announcement: str = ""
    editing: bool = False

    async def _user_id(self) -> uuid.UUID | None:
        return await (await self.get_state(AuthState)).current_user_id()

    async def _lists(self) -> list[tuple[rx.State, str]]:
        """Where messages are kept: the history loaded with the chat, then the turns added since."""
        return [(await self.get_state(HistoryState), "messages"), (self, "recent")]

    async def _turns(self) -> list[MessageView]:
        return [*(await self.get_state(HistoryState)).messages, *self.recent]

    async def _summarize(self) -> None:
        """Keep `empty` and `last_question` in step with the messages."""
        turns = await self._turns()
        empty = not turns
        last_question = next((view.content for view in reversed(turns) if view.role == "user"), "")
        if empty != self.empty:
            self.empty = empty
        if last_question != self.last_question:
            self.last_question = last_question

    async def _add(self, view: MessageView) -> None:
        self.recent = [*self.recent, view]
        await self._summarize()

    async def _drop_from(self, message_id: int) -> None:
        """Forget the message `message_id` and every later one (regenerate, edit and resend)."""
        for holder, name in await self._lists():
            views: list[MessageView] = getattr(holder, name)
            if any(view.id >= message_id for view in views):
                setattr(holder, name, [view for view in views if view.id < message_id])
        await self._summarize()

    async def put_answer(self, view: MessageView) -> None:
        """A finished answer: replace the one with its id, or add it; announce it to screen readers."""
        for holder, name in await self._lists():
            views: list[MessageView] = getattr(holder, name)
            if any(existing.id == view.id for existing in views):
                setattr(holder, name, [view if existing.id == view.id else existing for existing in views])
                break
        else:
            await self._add(view)
        if view.status == "complete":
            self.announcement = "New answer: " + " ".join(view.content.split())[:200]
        else:
            self.announcement = "The answer stopped: " + (view.error or view.status)

    async def _open(self, user_id: uuid.UUID, chat_id: uuid.UUID | None) -> None:
        """Show the chat (an empty new chat when `chat_id` is None, or a notice when it is not the user's)."""
        stream = await self.get_state(StreamState)
        stream.clear()
        history = await self.get_state(HistoryState)
        self.notice, self.editing, self.recent = "", False, []
        self.chat_id, self.title, history.messages = "", "", []
        if chat_id is not None:
            try:
                self.title, messages = await chat_data.conversation(user_id, chat_id)
            except NotFound:
                self.notice = GONE
            else:
                self.chat_id = str(chat_id)
                if messages and messages[-1].status == "streaming":
                    messages = messages[:-1]  # the answer being written shows in the stream view
                    stream.begin(user_id, chat_id)
                history.messages = messages
        await self._summarize()

    @rx.event
    async def load(self) -> Events:
        """`on_load`: open the chat named by `?chat=` (or a new one) and follow its answer if one is being written."""
        user_id = await self._user_id()
        if user_id is None:
            return None
        chat_id = chat_data.parse_id(self.router.url.query_parameters.get("chat", ""))
        from data360_chat.ui.state.sidebar import SidebarState  # the sidebar lists chats this state opens

        await self._open(user_id, chat_id)
        await (await self.get_state(SidebarState)).show_first_page(user_id)  # in the same update as the chat
        if (await self.get_state(StreamState)).active:
            return StreamState.follow
        return None

    @rx.event
    async def send(self, form: dict) -> Events:
        """Ask the question typed in the composer (Enter or the Send button)."""
        typed = str(form.get("question", ""))
        try:
            text = check_message(typed, get_settings())
        except MessageRejected as exc:
            self.notice = str(exc)
            return rx.set_value("question", typed)  # the form was cleared on submit: give the text back
        return await self._ask(text)

    @rx.event
    async def ask(self, text: str) -> Events:
        """Ask one of the starter questions."""
        return await self._ask(text)

    async def _ask(self, text: str) -> Events:
        from data360_chat.ui.state.sidebar import SidebarState

        user_id = await self._user_id()
        if user_id is None:
            return rx.redirect("/sign-in")
        chat_id = chat_data.parse_id(self.chat_id)
        created = chat_id is None
        if chat_id is None:
            chat_id = await chat_data.new_chat(user_id, text)
        started = await self._start(get_runner().start(user_id, chat_id, text))
        if started is None:
            return None
        self.notice, self.chat_id = "", str(chat_id)
        await self._add(MessageView(id=started.user_message_id, role="user", content=text))
        (await self.get_state(StreamState)).begin(user_id, chat_id)
        if created:  # the address names the chat (a reload reopens it); the sidebar lists it
            return [StreamState.follow, rx.redirect(f"/?chat={chat_id}", replace=True), SidebarState.load]
        return StreamState.follow

    async def _start(self, starting: Awaitable[AnswerStarted]) -> AnswerStarted | None:
        """The started answer, or None with the reason shown (bad message, busy chat, nothing to redo, gone)."""
        try:
            return await starting
        except (MessageRejected, ChatBusy, NothingToRegenerate) as exc:
            self.notice = str(exc)
        except NotFound:
            self.notice = GONE
        return None

    @rx.event
    async def regenerate(self) -> Events:
        """Write the last answer again (also the Retry of an answer that failed)."""
        user_id = await self._user_id()
        chat_id = chat_data.parse_id(self.chat_id)
        if user_id is None or chat_id is None:
            return None
        question = next((view for view in reversed(await self._turns()) if view.role == "user"), None)
        started = await self._start(get_runner().start_regenerate(user_id, chat_id))
        if started is None:
            return None
        if question is not None:
            await self._drop_from(question.id)
            await self._add(MessageView(id=started.user_message_id, role="user", content=question.content))
        self.notice = ""
        (await self.get_state(StreamState)).begin(user_id, chat_id)
        return StreamState.follow

    @rx.event
    def set_editing(self, editing: bool) -> None:
        """Open or close the editor of the last question."""
        self.editing = editing

    @rx.event
    async def resend(self, form: dict) -> Events:
        """Replace the last question with the edited text and answer it."""
        user_id = await self._user_id()
        chat_id = chat_data.parse_id(self.chat_id)
        question = next((view for view in reversed(await self._turns()) if view.role == "user"), None)
        if user_id is None or chat_id is None or question is None:
            return None
        text = str(form.get("question", ""))
        try:
            text = check_message(text, get_settings())
        except MessageRejected as exc:
            self.notice = str(exc)
            return None
        started = await self._start(get_runner().start_edit(user_id, chat_id, question.id, text))
        if started is None:
            return None
        await self._drop_from(question.id)
        await self._add(MessageView(id=started.user_message_id, role="user", content=text))
        self.notice, self.editing = "", False
        (await self.get_state(StreamState)).begin(user_id, chat_id)
        return StreamState.follow

    @rx.event(background=True)
    async def stop(self) -> None:
        """Stop the answer being written (the Stop button and Esc)."""
        async with self:
            user_id = await self._user_id()
            chat_id = chat_data.parse_id(self.chat_id)
        if user_id is not None and chat_id is not None:
            with contextlib.suppress(NotFound):
                await get_runner().stop(user_id, chat_id)

    @rx.event
    async def rate(self, message_id: int, rating: int) -> Events:
        """Thumbs up (1) or down (-1) on an answer."""
        return await self._rate(message_id, rating, "")

    @rx.event
    async def comment(self, form: dict) -> Events:
        """The comment form of an answer: its rating and optional text."""
        return await self._rate(int(form.get("message_id") or 0), int(form.get("rating") or 0), form.get("comment", ""))

    async def _rate(self, message_id: int, rating: int, comment: str) -> Events:
        user_id = await self._user_id()
        if user_id is None or rating not in (1, -1):
            return None
        try:
            await chat_data.rate(user_id, int(message_id), rating, str(comment or ""))
        except NotFound:
            self.notice = "This answer no longer exists."
            return None
        for holder, name in await self._lists():
            views: list[MessageView] = getattr(holder, name)
            if any(view.id == message_id for view in views):
                for view in views:
                    if view.id == message_id:
                        view.rating = rating
                setattr(holder, name, views)
        return rx.toast("Thanks for the feedback." if not comment else "Thanks, your comment is saved.")

    @rx.event
    def dismiss_notice(self) -> None:
        """Hide the notice under the composer."""
        self.notice = ""
