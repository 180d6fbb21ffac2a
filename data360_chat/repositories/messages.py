"""The messages of a user's chat: questions, answers being streamed, finished answers."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from data360_chat.db.models import Message, utcnow
from data360_chat.repositories import NotFound, clean_text
from data360_chat.repositories.chats import get_chat, touch_chat
from data360_chat.repositories.ownership import owned_chat_ids, require_message

UPDATABLE = frozenset(
    {
        "content",
        "status",
        "error",
        "model",
        "prompt_tokens",
        "completion_tokens",
        "latency_ms",
        "first_token_ms",
        "grounded_share",
        "numbers_checked",
        "number_checks",
        "sources",
    }
)


class ChatBusy(RuntimeError):
    """An answer is already being produced in this chat (the one-streaming-answer index says so)."""

    def __init__(self) -> None:
        super().__init__("An answer is already being written in this chat.")


class TooManyAnswers(RuntimeError):
    """The user already has as many answers being written as they may."""


async def add_user_message(session: AsyncSession, user_id: uuid.UUID, chat_id: uuid.UUID, content: str) -> Message:
    """Store the user's question in their chat."""
    await touch_chat(session, user_id, chat_id)
    message = Message(chat_id=chat_id, role="user", content=clean_text(content), status="complete")
    session.add(message)
    await session.flush()
    return message


async def start_answer(
    session: AsyncSession, user_id: uuid.UUID, chat_id: uuid.UUID, model: str, *, most_running: int | None = None
) -> Message:
    """Create the assistant message that an answer streams into.

    `ChatBusy` if one is already streaming in the chat; `TooManyAnswers` if the user has `most_running` streaming in
    all their chats (None: no bound). The count is taken under a per-user lock, so parallel starts on any replica
    cannot exceed it.
    """
    if await get_chat(session, user_id, chat_id) is None:
        raise NotFound("chat")
    if most_running is not None:
        await _check_running(session, user_id, most_running)
    message = Message(chat_id=chat_id, role="assistant", content="", status="streaming", model=model)
    try:
        async with session.begin_nested():
            session.add(message)
            await session.flush()
    except IntegrityError as exc:
        raise ChatBusy from exc
    return message


async def resume_answer(
    session: AsyncSession,
    user_id: uuid.UUID,
    message_id: int,
    *,
    statuses: Sequence[str],
    most_running: int | None = None,
) -> None:
    """Set an answer whose status is one of `statuses` streaming again, to be continued.

    `NotFound` unless it is one of the user's answers with such a status; `ChatBusy` and `TooManyAnswers` as for
    `start_answer`.
    """
    if most_running is not None:
        await _check_running(session, user_id, most_running)
    try:
        async with session.begin_nested():
            result = await session.execute(
                update(Message)
                .where(
                    Message.id == message_id,
                    Message.chat_id.in_(owned_chat_ids(user_id)),
                    Message.role == "assistant",
                    Message.status.in_(statuses),
                )
                .values(status="streaming", error=None, updated_at=utcnow())
            )
    except IntegrityError as exc:
        raise ChatBusy from exc
    if result.rowcount == 0:
        raise NotFound("message")


async def _check_running(session: AsyncSession, user_id: uuid.UUID, most_running: int) -> None:
    """`TooManyAnswers` if the user has `most_running` answers streaming; holds a per-user lock until commit."""
    await session.execute(select(func.pg_advisory_xact_lock(func.hashtextextended(f"answers:{user_id}", 0))))
    running = await session.scalar(
        select(func.count()).where(Message.status == "streaming", Message.chat_id.in_(owned_chat_ids(user_id)))
    )
    if (running or 0) >= most_running:
        raise TooManyAnswers(
            f"You already have {running} answers being written. Wait for one to finish or stop one, then ask again."
        )


async def get_message(session: AsyncSession, user_id: uuid.UUID, message_id: int) -> Message | None:
    """The message if it is in one of the user's chats."""
    try:
        return await require_message(session, user_id, message_id)
    except NotFound:
        return None


async def update_message(session: AsyncSession, user_id: uuid.UUID, message_id: int, **fields: Any) -> None:
    """Change fields of a message in one of the user's chats (content is cleaned of NUL bytes)."""
    unknown = set(fields) - UPDATABLE
    if unknown:
        raise ValueError(f"cannot update {sorted(unknown)}")
    if isinstance(fields.get("content"), str):
        fields["content"] = clean_text(fields["content"])
    result = await session.execute(
        update(Message)
        .where(Message.id == message_id, Message.chat_id.in_(owned_chat_ids(user_id)))
        .values(**fields, updated_at=utcnow())
    )
    if result.rowcount == 0:
        raise NotFound("message")


async def list_messages(
    session: AsyncSession, user_id: uuid.UUID, chat_id: uuid.UUID, *, last: int | None = None
) -> list[Message]:
    """The chat's messages in order (only the `last` N when given); empty for someone else's chat."""
    query = select(Message).where(Message.chat_id == chat_id, Message.chat_id.in_(owned_chat_ids(user_id)))
    if last is None:
        return list((await session.execute(query.order_by(Message.id))).scalars())
    newest = list((await session.execute(query.order_by(Message.id.desc()).limit(last))).scalars())
    return newest[::-1]


async def delete_messages_from(session: AsyncSession, user_id: uuid.UUID, chat_id: uuid.UUID, message_id: int) -> int:
    """Delete this message and every later one in the chat (regenerate, edit and resend); returns how many."""
    result = await session.execute(
        delete(Message).where(
            Message.chat_id == chat_id, Message.chat_id.in_(owned_chat_ids(user_id)), Message.id >= message_id
        )
    )
    return result.rowcount


async def stale_answers(session: AsyncSession, *, not_updated_since: datetime) -> list[tuple[int, uuid.UUID, str]]:
    """`(id, chat id, text)` of the answers left `streaming` and not updated since then (their server stopped)."""
    query = select(Message.id, Message.chat_id, Message.content).where(
        Message.status == "streaming", Message.updated_at < not_updated_since
    )
    return [(row.id, row.chat_id, row.content) for row in await session.execute(query)]


async def interrupt_stale_answers(
    session: AsyncSession, *, not_updated_since: datetime, texts: Mapping[int, str] | None = None
) -> int:
    """Mark answers left `streaming` by a stopped server as errors, keeping their partial text (or the longer text
    `texts` has for them, heard after the last save); returns how many."""
    stale = (Message.status == "streaming", Message.updated_at < not_updated_since)
    for message_id, text in (texts or {}).items():
        await session.execute(update(Message).where(Message.id == message_id, *stale).values(content=text))
    result = await session.execute(
        update(Message)
        .where(*stale)
        .values(status="error", error="The server stopped while this answer was being written.", updated_at=utcnow())
    )
    return result.rowcount
