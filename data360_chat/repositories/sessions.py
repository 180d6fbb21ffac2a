"""Signed-in sessions stored in PostgreSQL, looked up by the SHA-256 of their token."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import delete, update
from sqlalchemy.ext.asyncio import AsyncSession

from data360_chat.db.models import AuthSession
from data360_chat.repositories import clean_text


async def add_session(
    session: AsyncSession,
    user_id: uuid.UUID,
    token_hash: str,
    *,
    now: datetime,
    expires_at: datetime,
    user_agent: str = "",
    ip: str = "",
) -> AuthSession:
    """Record a new session for the user."""
    row = AuthSession(
        token_hash=token_hash,
        user_id=user_id,
        created_at=now,
        last_seen_at=now,
        expires_at=expires_at,
        user_agent=clean_text(user_agent)[:500],
        ip=clean_text(ip)[:64],
    )
    session.add(row)
    await session.flush()
    return row


async def get_session_by_hash(session: AsyncSession, token_hash: str) -> AuthSession | None:
    """The session with this token hash, expired or not."""
    return await session.get(AuthSession, token_hash)


async def mark_seen(session: AsyncSession, token_hash: str, now: datetime) -> None:
    """Record that the session was just used."""
    await session.execute(update(AuthSession).where(AuthSession.token_hash == token_hash).values(last_seen_at=now))


async def delete_session(session: AsyncSession, token_hash: str) -> bool:
    """End one session; False if there was none."""
    result = await session.execute(delete(AuthSession).where(AuthSession.token_hash == token_hash))
    return result.rowcount > 0


async def delete_user_sessions(session: AsyncSession, user_id: uuid.UUID, *, keep_hash: str | None = None) -> int:
    """End every session of the user (but `keep_hash`); returns how many ended."""
    query = delete(AuthSession).where(AuthSession.user_id == user_id)
    if keep_hash is not None:
        query = query.where(AuthSession.token_hash != keep_hash)
    return (await session.execute(query)).rowcount
