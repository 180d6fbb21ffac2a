"""Database reads and writes behind the chat page, for one user at a time (plain async Python, no Reflex)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from data360_chat.assistant.llm import OFFLINE_MODEL
from data360_chat.db.engine import get_database
from data360_chat.db.models import Chat
from data360_chat.repositories import NotFound
from data360_chat.repositories.charts import list_charts
from data360_chat.repositories.chats import create_chat, delete_chat, get_chat, list_chats, rename_chat, search_chats
from data360_chat.repositories.feedback import get_feedback, set_feedback
from data360_chat.repositories.messages import list_messages
from data360_chat.repositories.tool_calls import list_tool_calls
from data360_chat.ui.state.chat_views import MessageView, message_view

HISTORY_LIMIT = 400


@dataclass
class ChatItem:
    """A chat in the sidebar."""

    id: str = ""
    title: str = ""
    when: str = ""


def parse_id(text: str) -> uuid.UUID | None:
    """A chat id from the page (None when it is not one)."""
    try:
        return uuid.UUID(str(text))
    except ValueError:
        return None


def chat_item(chat: Chat) -> ChatItem:
    """A sidebar entry."""
    return ChatItem(id=str(chat.id), title=chat.title, when=chat.updated_at.strftime("%d %b %Y"))


async def conversation(user_id: uuid.UUID, chat_id: uuid.UUID) -> tuple[str, list[MessageView]]:
    """The chat's title and messages with their tool steps, charts and the user's ratings; `NotFound` otherwise."""
    async with get_database().session() as session:
        chat = await get_chat(session, user_id, chat_id)
        if chat is None:
            raise NotFound("chat")
        messages = await list_messages(session, user_id, chat_id, last=HISTORY_LIMIT)
        ids = [message.id for message in messages if message.id is not None and message.role == "assistant"]
        calls = await list_tool_calls(session, user_id, ids)
        charts = await list_charts(session, user_id, ids)
        ratings = await get_feedback(session, user_id, ids)
    views = []
    for message in messages:
        views.append(
            message_view(
                message,
                offline_model=OFFLINE_MODEL,
                calls=[call for call in calls if call.message_id == message.id],
                charts=[chart for chart in charts if chart.message_id == message.id],
                rating=ratings[message.id].rating if message.id in ratings else 0,
            )
        )
    return chat.title, views


async def answer_view(user_id: uuid.UUID, chat_id: uuid.UUID, message_id: int) -> MessageView | None:
    """One stored answer as the page shows it (None if it is gone)."""
    _, views = await conversation(user_id, chat_id)
    return next((view for view in views if view.id == message_id), None)


async def new_chat(user_id: uuid.UUID, title: str) -> uuid.UUID:
    """A new chat titled after its first question."""
    async with get_database().session() as session:
        chat = await create_chat(session, user_id, title[:80])
    return chat.id


async def chat_page(user_id: uuid.UUID, *, limit: int, before: tuple[datetime, uuid.UUID] | None) -> list[Chat]:
    """A page of the user's chats, newest first."""
    async with get_database().session() as session:
        return await list_chats(session, user_id, limit=limit, before=before)


async def find_chats(user_id: uuid.UUID, text: str) -> list[Chat]:
    """The user's chats whose title or messages contain `text`."""
    async with get_database().session() as session:
        return await search_chats(session, user_id, text)


async def rename(user_id: uuid.UUID, chat_id: uuid.UUID, title: str) -> str:
    """Rename the user's chat; returns the title as stored."""
    async with get_database().session() as session:
        return (await rename_chat(session, user_id, chat_id, title)).title


async def remove(user_id: uuid.UUID, chat_id: uuid.UUID) -> None:
    """Delete the user's chat."""
    async with get_database().session() as session:
        await delete_chat(session, user_id, chat_id)


async def rate(user_id: uuid.UUID, message_id: int, rating: int, comment: str) -> None:
    """Store the user's thumbs up/down (and comment) on an answer."""
    async with get_database().session() as session:
        await set_feedback(session, user_id, message_id, rating=rating, comment=comment)
