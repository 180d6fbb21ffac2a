"""What the chat page does: open a chat, ask, follow the answer, stop, regenerate, continue, edit, rate, rename,
delete.

Data flows one way: these handlers resolve the user on the server, call the chats facade (`data360_chat.chats`),
and write what comes back into the page's states (`ChatState`, `StreamState`, `SidebarState`), which never call
each other. Another user's chat id behaves like one that does not exist. The follower of an answer is a background
event: it holds the tab's lock only to apply an update, so Stop and other events go through while it streams.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Awaitable

import reflex as rx
from reflex.event import EventSpec

from data360_chat.chats import service as chats
from data360_chat.chats import uploads
from data360_chat.ui.state.auth import signed_in_user_id
from data360_chat.ui.state.chat import ChatState
from data360_chat.ui.state.sidebar import SidebarState
from data360_chat.ui.state.stream import StreamState
from data360_chat.ui.state.uploads import UploadState

FLUSH_INTERVAL = 0.11  # seconds between two updates of the text: about 9 a second

Reply = EventSpec | list[EventSpec] | None


class ChatActions(rx.State):
    """The chat page's actions (no data of its own)."""

    async def _chat(self) -> ChatState:
        return await self.get_state(ChatState)

    async def _start(
        self, user_id: uuid.UUID, starting: Awaitable[chats.Started], *, replace_from: int | None = None
    ) -> chats.Started | None:
        """Show the question of an answer that started (the stream follows it); or why it could not start."""
        chat = await self._chat()
        try:
            started = await starting
        except chats.Refused as exc:
            chat.notice = str(exc)
            return None
        if replace_from is not None:
            await chat._drop_from(replace_from)
        chat.notice, chat.editing, chat.chat_id = "", False, str(started.chat_id)
        if started.question is not None:
            await chat._add(started.question)
        (await self.get_state(StreamState))._begin(user_id, started.chat_id)
        return started

    @rx.event
    async def load(self) -> Reply:
        """`on_load`: open the chat named by `?chat=` (or a new one), list the chats, follow an answer being written."""
        user_id = await signed_in_user_id(self)
        if user_id is None:
            return None
        chat, stream = await self._chat(), await self.get_state(StreamState)
        stream._clear()
        chat_id = chats.parse_id(self.router.url.query_parameters.get("chat", ""))
        reply: Reply = None
        shown = await self.get_state(UploadState)
        shown._show([])
        if chat_id is None:
            await chat._show("", "", [])
            shown._show(await uploads.uploads_waiting(user_id))
        else:
            try:
                opened = await chats.open_chat(user_id, chat_id)
            except chats.Refused as exc:
                await chat._show("", "", [], notice=str(exc))
            else:
                await chat._show(str(chat_id), opened.title, opened.messages)
                shown._show(await uploads.uploads_of_chat(user_id, chat_id))
                if opened.answering:
                    stream._begin(user_id, chat_id)
                    reply = ChatActions.follow
        await (await self.get_state(SidebarState))._show_first_page(user_id)  # in the same update as the chat
        return reply

    @rx.event
    async def send(self, form: dict) -> Reply:
        """Ask the question typed in the composer (Enter or the Send button); the composer learns that its send
        was handled by its attempt id coming back."""
        reply = await self._ask(str(form.get("question", "")))
        handled = rx.set_value("question-ack", str(form.get("attempt", ""))[:64])
        return [*(reply if isinstance(reply, list) else [reply] if reply is not None else []), handled]

    @rx.event
    async def ask(self, text: str) -> Reply:
        """Ask one of the starter questions."""
        return await self._ask(str(text))

    async def _ask(self, text: str) -> Reply:
        user_id = await signed_in_user_id(self)
        if user_id is None:
            return rx.redirect("/sign-in")
        chat, shown = await self._chat(), await self.get_state(UploadState)
        created = not chat.chat_id
        asking = chats.ask(user_id, chats.parse_id(chat.chat_id), text, shown._ids())
        started = await self._start(user_id, asking)
        if started is None:
            return rx.set_value("question", text)  # refused: the text stays in (or goes into) the composer
        taken = rx.set_value("question", "")
        shown.previewing = ""
        if created:  # the address names the chat (a reload reopens it); the sidebar lists it
            return [
                taken,
                ChatActions.follow,
                rx.redirect(f"/?chat={started.chat_id}", replace=True),
                SidebarState.load,
            ]
        return [taken, ChatActions.follow]

    @rx.event
    async def regenerate(self) -> Reply:
        """Write the last answer again (also the Retry of an answer that failed)."""
        user_id = await signed_in_user_id(self)
        chat = await self._chat()
        chat_id, question = chats.parse_id(chat.chat_id), await chat._last_question()
        if user_id is None or chat_id is None or question is None:
            return None
        regenerating = chats.regenerate(user_id, chat_id, question.content)
        return ChatActions.follow if await self._start(user_id, regenerating, replace_from=question.id) else None

    @rx.event
    async def continue_answer(self) -> Reply:
        """Continue the last answer, cut short, where it stopped: it streams again with its text so far, and the
        new text is appended to it."""
        user_id = await signed_in_user_id(self)
        chat = await self._chat()
        chat_id, answer_id = chats.parse_id(chat.chat_id), chat.last_answer_id
        if user_id is None or chat_id is None or not answer_id:
            return None
        continuing = chats.continue_answer(user_id, chat_id)
        return ChatActions.follow if await self._start(user_id, continuing, replace_from=answer_id) else None

    @rx.event
    async def resend(self, form: dict) -> Reply:
        """Replace the last question with the edited text and answer it."""
        user_id = await signed_in_user_id(self)
        chat = await self._chat()
        chat_id, question = chats.parse_id(chat.chat_id), await chat._last_question()
        if user_id is None or chat_id is None or question is None:
            return None
        editing = chats.edit(user_id, chat_id, question.id, str(form.get("question", "")))
        return ChatActions.follow if await self._start(user_id, editing, replace_from=question.id) else None

    @rx.event(background=True)
    async def follow(self) -> None:
        """Follow the open chat's answer until it ends, then move it into the conversation."""
        async with self:
            user, chat, generation = (await self.get_state(StreamState))._following()
        user_id, chat_id = chats.parse_id(user), chats.parse_id(chat)
        if user_id is None or chat_id is None:
            return
        checked = False
        async for update in chats.follow(user_id, chat_id, interval=FLUSH_INTERVAL):
            async with self:
                stream = await self.get_state(StreamState)
                if stream._generation != generation:
                    return
                if update.ended:
                    if update.finished is not None:
                        await (await self._chat())._put_answer(update.finished)
                    stream._clear()
                    return
                stream._apply(update)
                if not checked:  # after the first update (usually before any text): still this user's tab?
                    checked = True
                    if await signed_in_user_id(self) != user_id:
                        stream._clear()
                        return
        async with self:
            stream = await self.get_state(StreamState)
            if stream._generation == generation:
                stream._clear()

    @rx.event(background=True)
    async def stop(self) -> None:
        """Stop the answer being written (the Stop button and Esc)."""
        async with self:
            user_id = await signed_in_user_id(self)
            chat_id = chats.parse_id((await self._chat()).chat_id)
        if user_id is not None and chat_id is not None:
            await chats.stop(user_id, chat_id)

    @rx.event
    async def rate(self, message_id: int, rating: int) -> None:
        """Thumbs up (1) or down (-1) on an answer."""
        await self._rate(message_id, rating, "")

    @rx.event
    async def comment(self, form: dict) -> None:
        """The comment form of an answer: its rating and optional text."""
        with contextlib.suppress(TypeError, ValueError):
            message_id, rating = int(form.get("message_id") or 0), int(form.get("rating") or 0)
            await self._rate(message_id, rating, str(form.get("comment", "")))

    async def _rate(self, message_id: int, rating: int, comment: str) -> None:
        user_id = await signed_in_user_id(self)
        if user_id is None or rating not in (1, -1) or not isinstance(message_id, int):
            return
        chat = await self._chat()
        try:
            await chats.rate(user_id, message_id, rating, comment)
        except chats.Refused as exc:
            chat.notice = str(exc)
            return
        await chat._rated(message_id, rating)

    @rx.event
    async def rename(self, form: dict) -> None:
        """Save the new title of the chat in the rename dialog."""
        sidebar = await self.get_state(SidebarState)
        user_id, chat_id = await signed_in_user_id(self), chats.parse_id(sidebar.renaming_id)
        sidebar.renaming_id = ""
        if user_id is None or chat_id is None:
            return
        chat = await self._chat()
        try:
            title = await chats.rename(user_id, chat_id, str(form.get("title", "")))
        except chats.Refused as exc:
            chat.notice = str(exc)
            return
        sidebar._renamed(str(chat_id), title)
        if chat.chat_id == str(chat_id):
            chat.title = title

    @rx.event
    async def delete(self) -> Reply:
        """Delete the chat awaiting confirmation in the dialog."""
        sidebar = await self.get_state(SidebarState)
        user_id, chat_id = await signed_in_user_id(self), chats.parse_id(sidebar.deleting_id)
        sidebar.deleting_id = ""
        if user_id is None or chat_id is None:
            return None
        chat = await self._chat()
        try:
            await chats.remove(user_id, chat_id)
        except chats.Refused as exc:
            chat.notice = str(exc)
            return None
        sidebar._removed(str(chat_id))
        return rx.redirect("/") if chat.chat_id == str(chat_id) else None
