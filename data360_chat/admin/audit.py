"""The audit log of admin actions: who did what to whom, and when."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from data360_chat.db.models import AuditEntry, User
from data360_chat.repositories import clean_text

SHOWN = 50


async def record(
    session: AsyncSession, actor: User, action: str, target: User | None = None, detail: str = ""
) -> AuditEntry:
    """Write one entry (in the caller's transaction, so it stands or falls with the action)."""
    entry = AuditEntry(
        actor_id=actor.id,
        actor_email=actor.email,
        action=action,
        target_id=target.id if target is not None else None,
        target_email=target.email if target is not None else "",
        detail=clean_text(detail)[:1000],
    )
    session.add(entry)
    await session.flush()
    return entry


async def latest(session: AsyncSession, *, limit: int = SHOWN, target_id: uuid.UUID | None = None) -> list[AuditEntry]:
    """The newest entries first (only those about `target_id` when given)."""
    query = select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit)
    if target_id is not None:
        query = query.where(AuditEntry.target_id == target_id)
    return list((await session.execute(query)).scalars())
