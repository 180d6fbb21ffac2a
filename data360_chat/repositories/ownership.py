"""Queries that tie a message back to the user who owns its chat."""

from __future__ import annotations

import uuid

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from data360_chat.db.models import Chat, Message
from data360_chat.repositories import NotFound


def owned_chat_ids(user_id: uuid.UUID) -> Select[tuple[uuid.UUID]]:
    """Ids of the user's chats, as a subquery."""
    return select(Chat.id).where(Chat.user_id == user_id)


def owned_message_ids(user_id: uuid.UUID) -> Select[tuple[int]]:
    """Ids of messages in the user's chats, as a subquery."""
    return select(Message.id).where(Message.chat_id.in_(owned_chat_ids(user_id)))


async def require_message(session: AsyncSession, user_id: uuid.UUID, message_id: int) -> Message:
    """The message if it is in one of the user's chats, else `NotFound`."""
    message = (
        await session.execute(
            select(Message).where(Message.id == message_id, Message.chat_id.in_(owned_chat_ids(user_id)))
        )
    ).scalar_one_or_none()
    if message is None:
        raise NotFound("message")
    return message
