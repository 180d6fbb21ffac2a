"""The sidebar: the user's chats newest first (a page at a time), search, and the rename and delete dialogs.

Renaming and deleting act on the open chat too, so `ChatActions` does them; this state holds what the sidebar shows.
"""

from __future__ import annotations

import uuid

import reflex as rx
from reflex.event import EventSpec

from data360_chat.chats import service as chats
from data360_chat.chats.views import ChatItem
from data360_chat.ui.state.auth import signed_in_user_id


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

    _cursor: str | None = None

    async def _show_first_page(self, user_id: uuid.UUID) -> None:
        """The first page of the user's chats (or the search results)."""
        if self.query.strip():
            self.chats, self.has_more, self._cursor = await chats.find_chats(user_id, self.query), False, None
            return
        page = await chats.chat_page(user_id)
        self.chats, self.has_more, self._cursor = page.chats, page.has_more, page.cursor

    def _renamed(self, chat_id: str, title: str) -> None:
        self.chats = [ChatItem(c.id, title, c.when) if c.id == chat_id else c for c in self.chats]

    def _removed(self, chat_id: str) -> None:
        self.chats = [c for c in self.chats if c.id != chat_id]

    @rx.event
    async def load(self) -> None:
        """Show the first page of chats (or the search results)."""
        user_id = await signed_in_user_id(self)
        if user_id is not None:
            await self._show_first_page(user_id)

    @rx.event
    async def load_more(self) -> None:
        """The next page of older chats."""
        user_id = await signed_in_user_id(self)
        if user_id is None or self._cursor is None:
            return
        page = await chats.chat_page(user_id, self._cursor)
        self.chats, self.has_more, self._cursor = [*self.chats, *page.chats], page.has_more, page.cursor

    @rx.event
    async def search(self, query: str) -> None:
        """Chats whose title or messages contain the text (all chats when it is empty)."""
        self.query = str(query)[:200]
        await self.load()

    @rx.event
    def set_drawer_open(self, is_open: bool) -> None:
        """Open or close the sidebar drawer (narrow screens)."""
        self.drawer_open = bool(is_open)

    @rx.event
    def open_chat(self, chat_id: str) -> EventSpec:
        """Go to a chat."""
        self.drawer_open = False
        parsed = chats.parse_id(chat_id)
        return rx.redirect(f"/?chat={parsed}" if parsed else "/")

    @rx.event
    def new_chat(self) -> EventSpec:
        """Start a new chat."""
        self.drawer_open = False
        return rx.redirect("/")

    @rx.event
    def start_rename(self, chat_id: str, title: str) -> None:
        """Open the rename dialog."""
        self.renaming_id, self.rename_text = str(chat_id), str(title)

    @rx.event
    def cancel_rename(self) -> None:
        """Close the rename dialog."""
        self.renaming_id = ""

    @rx.event
    def start_delete(self, chat_id: str, title: str) -> None:
        """Ask for confirmation before deleting."""
        self.deleting_id, self.deleting_title = str(chat_id), str(title)

    @rx.event
    def cancel_delete(self) -> None:
        """Keep the chat."""
        self.deleting_id = ""
