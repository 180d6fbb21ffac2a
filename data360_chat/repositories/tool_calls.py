"""Tool calls made while answering, stored with a bounded copy of their result."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from data360_chat.db.models import ToolCall
from data360_chat.repositories import NotFound, clean_text
from data360_chat.repositories.ownership import owned_message_ids, require_message

RESULT_MAX_CHARS = 20_000


def bounded(text: str, limit: int = RESULT_MAX_CHARS) -> str:
    """The text cut to `limit` characters, saying how much was left out."""
    text = clean_text(text)
    if len(text) <= limit:
        return text
    return text[:limit] + f"\n… [{len(text) - limit} more characters not stored]"


async def add_tool_call(
    session: AsyncSession,
    user_id: uuid.UUID,
    message_id: int,
    *,
    tool_name: str,
    arguments: dict[str, Any] | None,
    call_id: str = "",
) -> ToolCall:
    """Record a tool call that has started, for an answer in one of the user's chats."""
    await require_message(session, user_id, message_id)
    call = ToolCall(message_id=message_id, call_id=call_id, tool_name=tool_name, arguments=arguments)
    session.add(call)
    await session.flush()
    return call


async def finish_tool_call(
    session: AsyncSession,
    user_id: uuid.UUID,
    tool_call_id: int,
    *,
    ok: bool,
    result: str,
    error: str | None = None,
    duration_ms: int | None = None,
) -> None:
    """Store how a tool call ended."""
    outcome = await session.execute(
        update(ToolCall)
        .where(ToolCall.id == tool_call_id, ToolCall.message_id.in_(owned_message_ids(user_id)))
        .values(status="ok" if ok else "error", result=bounded(result), error=error, duration_ms=duration_ms)
    )
    if outcome.rowcount == 0:
        raise NotFound("tool call")


async def list_tool_calls(session: AsyncSession, user_id: uuid.UUID, message_ids: Sequence[int]) -> list[ToolCall]:
    """Tool calls of the given messages (those in the user's chats), in the order they were made."""
    if not message_ids:
        return []
    query = (
        select(ToolCall)
        .where(ToolCall.message_id.in_(message_ids), ToolCall.message_id.in_(owned_message_ids(user_id)))
        .order_by(ToolCall.message_id, ToolCall.id)
    )
    return list((await session.execute(query)).scalars())
