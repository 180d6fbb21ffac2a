"""User accounts."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from data360_chat.db.models import User
from data360_chat.repositories import clean_text


def normalize_email(email: str) -> str:
    """Emails compare case-insensitively and without surrounding spaces."""
    return clean_text(email).strip().lower()


async def create_user(
    session: AsyncSession,
    email: str,
    *,
    display_name: str = "",
    password_hash: str | None = None,
    is_admin: bool = False,
    oidc_issuer: str | None = None,
    oidc_subject: str | None = None,
) -> User:
    """A new user account."""
    user = User(
        email=normalize_email(email),
        display_name=clean_text(display_name).strip()[:200],
        password_hash=password_hash,
        is_admin=is_admin,
        oidc_issuer=oidc_issuer,
        oidc_subject=oidc_subject,
    )
    session.add(user)
    await session.flush()
    return user


async def get_user(session: AsyncSession, user_id: uuid.UUID) -> User | None:
    """The user with this id."""
    return await session.get(User, user_id)


async def get_user_by_email(session: AsyncSession, email: str) -> User | None:
    """The user with this email (case-insensitive)."""
    return (await session.execute(select(User).where(User.email == normalize_email(email)))).scalar_one_or_none()


async def count_users(session: AsyncSession) -> int:
    """How many accounts exist (the first one becomes an admin)."""
    return (await session.execute(select(func.count()).select_from(User))).scalar_one()
