"""Thumbs up or down, with an optional comment, on answers."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from data360_chat.db.models import Feedback, utcnow
from data360_chat.repositories import NotFound, clean_text
from data360_chat.repositories.ownership import owned_message_ids, require_message

COMMENT_MAX = 2000


async def set_feedback(
    session: AsyncSession, user_id: uuid.UUID, message_id: int, *, rating: int, comment: str = ""
) -> None:
    """Record (or replace) the user's rating, +1 or -1, of an answer in one of their chats."""
    if rating not in (-1, 1):
        raise ValueError("rating must be 1 (up) or -1 (down)")
    message = await require_message(session, user_id, message_id)
    if message.role != "assistant":
        raise NotFound("answer")
    values = {"rating": rating, "comment": clean_text(comment)[:COMMENT_MAX], "created_at": utcnow()}
    await session.execute(
        insert(Feedback)
        .values(message_id=message_id, user_id=user_id, **values)
        .on_conflict_do_update(constraint="uq_feedback_message_user", set_=values)
    )


async def get_feedback(session: AsyncSession, user_id: uuid.UUID, message_ids: Sequence[int]) -> dict[int, Feedback]:
    """The user's feedback on the given messages, by message id."""
    if not message_ids:
        return {}
    query = select(Feedback).where(
        Feedback.user_id == user_id,
        Feedback.message_id.in_(message_ids),
        Feedback.message_id.in_(owned_message_ids(user_id)),
    )
    return {row.message_id: row for row in (await session.execute(query)).scalars()}
