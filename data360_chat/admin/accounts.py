"""Accounts as an admin manages them: list and search, make or remove admins, disable, enable, delete.

Every change happens under one lock with its audit entry, after checking that the actor is still an active admin,
and none may leave the server without an active admin.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy import delete, func, or_, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from data360_chat.admin import audit
from data360_chat.db.models import ApiKey, Chat, User, utcnow

PAGE_SIZE = 25
Action = Literal["grant_admin", "revoke_admin", "disable", "enable", "delete"]
ACTIONS: tuple[Action, ...] = ("grant_admin", "revoke_admin", "disable", "enable", "delete")
DONE = {
    "grant_admin": "{email} is now an admin.",
    "revoke_admin": "{email} is no longer an admin.",
    "disable": "{email} is disabled: their sessions and API keys have ended.",
    "enable": "{email} can sign in again.",
    "delete": "{email} and all their data were deleted.",
}


class NotAdmin(PermissionError):
    """The person acting is not (or no longer) an active admin."""


class Refused(Exception):
    """The change was refused; `str(exc)` says why."""


@dataclass(frozen=True)
class AccountRow:
    """One account in the list."""

    id: uuid.UUID
    email: str
    display_name: str
    is_admin: bool
    is_active: bool
    created_at: datetime
    last_login_at: datetime | None
    chats: int


@dataclass(frozen=True)
class AccountPage:
    """A page of accounts and how many match in all."""

    rows: list[AccountRow]
    total: int
    page: int
    pages: int


def _matching(query: str) -> list:
    words = query.strip()[:200]
    if not words:
        return []
    pattern = "%" + words.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return [or_(User.email.ilike(pattern), User.display_name.ilike(pattern))]


async def list_accounts(session: AsyncSession, query: str = "", page: int = 1) -> AccountPage:
    """Accounts whose email or name contains `query`, newest first, a page at a time (pages count from 1)."""
    where = _matching(query)
    total = await session.scalar(select(func.count()).select_from(User).where(*where)) or 0
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(1, page), pages)
    chats = select(func.count()).where(Chat.user_id == User.id).correlate(User).scalar_subquery()
    rows = await session.execute(
        select(User, chats)
        .where(*where)
        .order_by(User.created_at.desc(), User.id)
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
    )
    return AccountPage(
        [
            AccountRow(u.id, u.email, u.display_name, u.is_admin, u.is_active, u.created_at, u.last_login_at, n)
            for u, n in rows
        ],
        total,
        page,
        pages,
    )


async def active_admins(session: AsyncSession) -> int:
    """How many accounts are active admins."""
    return await session.scalar(select(func.count()).where(User.is_admin, User.is_active)) or 0


async def _lock(session: AsyncSession) -> None:
    """Serialise account changes by admins until the transaction ends (the last-admin rule holds under races)."""
    await session.execute(text("SELECT pg_advisory_xact_lock(360361)"))


async def acting_admin(session: AsyncSession, actor_id: uuid.UUID) -> User:
    """The actor's account if it is an active admin right now; `NotAdmin` otherwise."""
    actor = await session.get(User, actor_id)
    if actor is None or not actor.is_admin or not actor.is_active:
        raise NotAdmin
    return actor


def _removes_an_admin(target: User, action: Action) -> bool:
    return target.is_admin and target.is_active and action in ("revoke_admin", "disable", "delete")


async def change_account(session: AsyncSession, actor_id: uuid.UUID, target_id: uuid.UUID, action: Action) -> str:
    """Apply `action` to the account and write its audit entry; the sentence to show. `NotAdmin`, `Refused`."""
    await _lock(session)
    actor = await acting_admin(session, actor_id)
    target = await session.get(User, target_id)
    if target is None:
        raise Refused("That account no longer exists.")
    if _removes_an_admin(target, action) and await active_admins(session) <= 1:
        raise Refused(f"{target.email} is the last admin. Make someone else an admin first.")
    done = DONE[action].format(email=target.email)
    await audit.record(session, actor, action, target)
    if action == "delete":
        await session.execute(delete(User).where(User.id == target.id))
        return done
    if action in ("grant_admin", "revoke_admin"):
        target.is_admin = action == "grant_admin"
    else:
        target.is_active = action == "enable"
    if action == "disable":
        await session.execute(
            update(ApiKey).where(ApiKey.user_id == target.id, ApiKey.revoked_at.is_(None)).values(revoked_at=utcnow())
        )
    await session.flush()
    return done
