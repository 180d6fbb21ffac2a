"""The sidebar: the user's chats newest first (a page at a time), search, rename and delete."""

from __future__ import annotations

import uuid
from datetime import datetime

import reflex as rx
from reflex.event import EventSpec

from data360_chat.repositories import NotFound
from data360_chat.ui.state import chat_data
from data360_chat.ui.state.auth import AuthState, user_data_state
from data360_chat.ui.state.chat import ChatState
from data360_chat.ui.state.chat_data import ChatItem, chat_item

PAGE_SIZE = 30

Events = EventSpec | list[EventSpec] | None


@user_data_state
class SidebarState(rx.State):
    """The list of chats and the dialogs acting on one of them."""

    chats: list[ChatItem] = rx.field(default_factory=list)
    has_more: bool = False
    query: str = ""
    drawer_open: bool = False
    renaming_id: str = ""
    rename_text: str = ""
    deleting_id: str = ""
    deleting_title: str = ""

    _cursor: tuple[str, str] | None = None

    async def _user_id(self) -> uuid.UUID | None:
        return await (await self.get_state(AuthState)).current_user_id()

    async def show_first_page(self, user_id: uuid.UUID) -> None:
        """The first page of the user's chats (or the search results)."""
        if self.query.strip():
            found = await chat_data.find_chats(user_id, self.query)
            self.chats, self.has_more, self._cursor = [chat_item(chat) for chat in found], False, None
            return
        page = await chat_data.chat_page(user_id, limit=PAGE_SIZE + 1, before=None)
        self._show(page, [])

    def _show(self, page: list, before: list[ChatItem]) -> None:
        self.has_more = len(page) > PAGE_SIZE
        page = page[:PAGE_SIZE]
        self.chats = [*before, *(chat_item(chat) for chat in page)]
        self._cursor = (page[-1].updated_at.isoformat(), str(page[-1].id)) if page else None

    @rx.event
    async def load(self) -> None:
        """Show the first page of chats (or the search results)."""
        user_id = await self._user_id()
        if user_id is not None:
            await self.show_first_page(user_id)

    @rx.event
    async def load_more(self) -> None:
        """The next page of older chats."""
        user_id = await self._user_id()
        if user_id is None or self._cursor is None:
            return
        before = (datetime.fromisoformat(self._cursor[0]), uuid.UUID(self._cursor[1]))
        page = await chat_data.chat_page(user_id, limit=PAGE_SIZE + 1, before=before)
        self._show(page, self.chats)

    @rx.event
    async def search(self, query: str) -> None:
        """Chats whose title or messages contain the text (all chats when it is empty)."""
        self.query = query[:200]
        await self.load()

    @rx.event
    def set_drawer_open(self, is_open: bool) -> None:
        """Open or close the sidebar drawer (narrow screens)."""
        self.drawer_open = is_open

    @rx.event
    def open_chat(self, chat_id: str) -> Events:
        """Go to a chat."""
        self.drawer_open = False
        parsed = chat_data.parse_id(chat_id)
        return rx.redirect(f"/?chat={parsed}" if parsed else "/")

    @rx.event
    def new_chat(self) -> Events:
        """Start a new chat."""
        self.drawer_open = False
        return rx.redirect("/")

    @rx.event
    def start_rename(self, chat_id: str, title: str) -> None:
        """Open the rename dialog."""
        self.renaming_id, self.rename_text = chat_id, title

    @rx.event
    def cancel_rename(self) -> None:
        """Close the rename dialog."""
        self.renaming_id = ""

    @rx.event
    async def rename(self, form: dict) -> Events:
        """Save the new title."""
        user_id = await self._user_id()
        chat_id = chat_data.parse_id(self.renaming_id)
        self.renaming_id = ""
        if user_id is None or chat_id is None:
            return None
        try:
            title = await chat_data.rename(user_id, chat_id, str(form.get("title", "")))
        except NotFound:
            return rx.toast.error("This chat no longer exists.")
        self.chats = [ChatItem(c.id, title, c.when) if c.id == str(chat_id) else c for c in self.chats]
        chat = await self.get_state(ChatState)
        if chat.chat_id == str(chat_id):
            chat.title = title
        return None

    @rx.event
    def start_delete(self, chat_id: str, title: str) -> None:
        """Ask for confirmation before deleting."""
        self.deleting_id, self.deleting_title = chat_id, title

    @rx.event
    def cancel_delete(self) -> None:
        """Keep the chat."""
        self.deleting_id = ""

    @rx.event
    async def delete(self) -> Events:
        """Delete the chat awaiting confirmation."""
        user_id = await self._user_id()
        chat_id = chat_data.parse_id(self.deleting_id)
        self.deleting_id = ""
        if user_id is None or chat_id is None:
            return None
        try:
            await chat_data.remove(user_id, chat_id)
        except NotFound:
            return rx.toast.error("This chat no longer exists.")
        self.chats = [c for c in self.chats if c.id != str(chat_id)]
        chat = await self.get_state(ChatState)
        if chat.chat_id == str(chat_id):
            return rx.redirect("/")
        return None
