"""Personal API keys: stored as a SHA-256 with a short visible prefix, revocable by their owner."""

from __future__ import annotations

import uuid

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from data360_chat.db.models import ApiKey, utcnow
from data360_chat.repositories import NotFound, clean_text

NAME_MAX = 100


async def add_api_key(session: AsyncSession, user_id: uuid.UUID, *, name: str, prefix: str, key_hash: str) -> ApiKey:
    """Record a new key for the user."""
    label = clean_text(name).strip()[:NAME_MAX] or "API key"
    key = ApiKey(user_id=user_id, name=label, prefix=prefix, key_hash=key_hash)
    session.add(key)
    await session.flush()
    return key


async def list_api_keys(session: AsyncSession, user_id: uuid.UUID) -> list[ApiKey]:
    """The user's keys that are not revoked, newest first."""
    query = (
        select(ApiKey)
        .where(ApiKey.user_id == user_id, ApiKey.revoked_at.is_(None))
        .order_by(ApiKey.created_at.desc(), ApiKey.id)
    )
    return list((await session.execute(query)).scalars())


async def revoke_api_key(session: AsyncSession, user_id: uuid.UUID, key_id: uuid.UUID) -> None:
    """Revoke one of the user's keys; `NotFound` if it is not theirs or already revoked."""
    result = await session.execute(
        update(ApiKey)
        .where(ApiKey.id == key_id, ApiKey.user_id == user_id, ApiKey.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    if result.rowcount == 0:
        raise NotFound("api key")


async def find_live_key(session: AsyncSession, key_hash: str) -> ApiKey | None:
    """The unrevoked key with this hash, marking it used."""
    key = (
        await session.execute(select(ApiKey).where(ApiKey.key_hash == key_hash, ApiKey.revoked_at.is_(None)))
    ).scalar_one_or_none()
    if key is not None:
        key.last_used_at = utcnow()
    return key
