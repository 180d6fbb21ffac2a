"""A user's chats: create, list newest first, search, rename, delete."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from data360_chat.db.models import Chat, Message, utcnow
from data360_chat.repositories import NotFound, clean_text

TITLE_MAX = 200


def _title(title: str) -> str:
    cleaned = " ".join(clean_text(title).split())[:TITLE_MAX]
    return cleaned or "New chat"


async def create_chat(session: AsyncSession, user_id: uuid.UUID, title: str = "New chat") -> Chat:
    """A new empty chat for the user."""
    chat = Chat(user_id=user_id, title=_title(title))
    session.add(chat)
    await session.flush()
    return chat


async def get_chat(session: AsyncSession, user_id: uuid.UUID, chat_id: uuid.UUID) -> Chat | None:
    """The chat if it exists and is the user's."""
    return (await session.execute(select(Chat).where(Chat.id == chat_id, Chat.user_id == user_id))).scalar_one_or_none()


async def list_chats(
    session: AsyncSession,
    user_id: uuid.UUID,
    *,
    limit: int = 50,
    before: tuple[datetime, uuid.UUID] | None = None,
) -> list[Chat]:
    """The user's chats, most recently active first; `before` is the (updated_at, id) of the last one seen."""
    query = select(Chat).where(Chat.user_id == user_id)
    if before is not None:
        updated_at, chat_id = before
        query = query.where(or_(Chat.updated_at < updated_at, (Chat.updated_at == updated_at) & (Chat.id < chat_id)))
    query = query.order_by(Chat.updated_at.desc(), Chat.id.desc()).limit(max(1, min(limit, 200)))
    return list((await session.execute(query)).scalars())


def _like_pattern(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


async def search_chats(session: AsyncSession, user_id: uuid.UUID, text: str, *, limit: int = 50) -> list[Chat]:
    """The user's chats whose title or any message contains `text` (case-insensitive), newest first."""
    pattern = _like_pattern(clean_text(text).strip())
    in_messages = select(Message.chat_id).where(Message.content.ilike(pattern))
    query = (
        select(Chat)
        .where(Chat.user_id == user_id, or_(Chat.title.ilike(pattern), Chat.id.in_(in_messages)))
        .order_by(Chat.updated_at.desc(), Chat.id.desc())
        .limit(max(1, min(limit, 200)))
    )
    return list((await session.execute(query)).scalars())


async def rename_chat(session: AsyncSession, user_id: uuid.UUID, chat_id: uuid.UUID, title: str) -> Chat:
    """Give the user's chat a new title."""
    chat = await get_chat(session, user_id, chat_id)
    if chat is None:
        raise NotFound("chat")
    chat.title = _title(title)
    await session.flush()
    return chat


async def touch_chat(session: AsyncSession, user_id: uuid.UUID, chat_id: uuid.UUID) -> None:
    """Mark the chat as just active (it moves to the top of the list)."""
    result = await session.execute(
        update(Chat).where(Chat.id == chat_id, Chat.user_id == user_id).values(updated_at=utcnow())
    )
    if result.rowcount == 0:
        raise NotFound("chat")


async def delete_chat(session: AsyncSession, user_id: uuid.UUID, chat_id: uuid.UUID) -> None:
    """Delete the user's chat with everything in it."""
    result = await session.execute(delete(Chat).where(Chat.id == chat_id, Chat.user_id == user_id))
    if result.rowcount == 0:
        raise NotFound("chat")
