"""A user's uploaded files: store one parsed, list them (all, or a chat's), attach them to a chat, delete one."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Exists, delete, exists, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import defer

from data360_chat.db.models import Chat, Upload
from data360_chat.repositories import NotFound, clean_text

FILENAME_MAX = 255


def _owns_chat(user_id: uuid.UUID, chat_id: uuid.UUID) -> Exists:
    return exists().where(Chat.id == chat_id, Chat.user_id == user_id)


async def add_upload(
    session: AsyncSession,
    user_id: uuid.UUID,
    *,
    filename: str,
    summary: dict[str, Any],
    points: list[list[Any]],
    chat_id: uuid.UUID | None = None,
) -> Upload:
    """Store a parsed file for the user (in one of their chats when `chat_id` is given)."""
    if chat_id is not None and not await session.scalar(select(_owns_chat(user_id, chat_id))):
        raise NotFound("chat")
    upload = Upload(
        user_id=user_id,
        chat_id=chat_id,
        filename=clean_text(filename)[:FILENAME_MAX] or "upload.csv",
        summary=summary,
        points=points,
    )
    session.add(upload)
    await session.flush()
    return upload


async def get_upload(session: AsyncSession, user_id: uuid.UUID, upload_id: uuid.UUID) -> Upload | None:
    """The upload, with its points, if it is the user's."""
    query = select(Upload).where(Upload.id == upload_id, Upload.user_id == user_id)
    return (await session.execute(query)).scalar_one_or_none()


async def list_uploads(
    session: AsyncSession, user_id: uuid.UUID, upload_ids: Sequence[uuid.UUID], *, with_points: bool = False
) -> list[Upload]:
    """The user's uploads among `upload_ids`, oldest first (their points loaded only when asked for)."""
    if not upload_ids:
        return []
    query = select(Upload).where(Upload.id.in_(upload_ids), Upload.user_id == user_id).order_by(Upload.created_at)
    if not with_points:
        query = query.options(defer(Upload.points))
    return list((await session.execute(query)).scalars())


async def chat_uploads(
    session: AsyncSession, user_id: uuid.UUID, chat_id: uuid.UUID, *, with_points: bool = False
) -> list[Upload]:
    """The uploads attached to the user's chat, oldest first."""
    query = select(Upload).where(Upload.chat_id == chat_id, Upload.user_id == user_id).order_by(Upload.created_at)
    if not with_points:
        query = query.options(defer(Upload.points))
    return list((await session.execute(query)).scalars())


async def waiting_uploads(session: AsyncSession, user_id: uuid.UUID, *, limit: int = 10) -> list[Upload]:
    """The user's latest uploads that are in no chat yet (waiting for a question), oldest first."""
    query = (
        select(Upload)
        .where(Upload.user_id == user_id, Upload.chat_id.is_(None))
        .options(defer(Upload.points))
        .order_by(Upload.created_at.desc())
        .limit(limit)
    )
    return list(reversed((await session.execute(query)).scalars().all()))


async def attach_uploads(
    session: AsyncSession, user_id: uuid.UUID, upload_ids: Sequence[uuid.UUID], chat_id: uuid.UUID
) -> int:
    """Attach the user's uploads that are in no chat yet to their chat; how many were attached."""
    if not upload_ids:
        return 0
    result = await session.execute(
        update(Upload)
        .where(
            Upload.id.in_(upload_ids),
            Upload.user_id == user_id,
            or_(Upload.chat_id.is_(None), Upload.chat_id == chat_id),
            _owns_chat(user_id, chat_id),
        )
        .values(chat_id=chat_id)
    )
    return int(result.rowcount or 0)


async def delete_upload(session: AsyncSession, user_id: uuid.UUID, upload_id: uuid.UUID) -> None:
    """Delete the user's upload (`NotFound` if it is not theirs)."""
    result = await session.execute(delete(Upload).where(Upload.id == upload_id, Upload.user_id == user_id))
    if result.rowcount == 0:
        raise NotFound("upload")
