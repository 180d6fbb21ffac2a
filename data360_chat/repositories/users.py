"""User accounts."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from data360_chat.db.models import User
from data360_chat.repositories import NotFound, clean_text

USER_UPDATABLE = frozenset(
    {
        "email",
        "display_name",
        "password_hash",
        "is_admin",
        "is_active",
        "last_login_at",
        "oidc_issuer",
        "oidc_subject",
        "organisation",
    }
)


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
    organisation: str | None = None,
) -> User:
    """A new user account."""
    user = User(
        email=normalize_email(email),
        display_name=clean_text(display_name).strip()[:200],
        password_hash=password_hash,
        is_admin=is_admin,
        oidc_issuer=oidc_issuer,
        oidc_subject=oidc_subject,
        organisation=organisation,
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


async def get_user_by_identity(session: AsyncSession, issuer: str, subject: str) -> User | None:
    """The user signed in through this OpenID Connect issuer under this subject."""
    query = select(User).where(User.oidc_issuer == issuer, User.oidc_subject == subject)
    return (await session.execute(query)).scalar_one_or_none()


async def update_user(session: AsyncSession, user_id: uuid.UUID, **fields: object) -> User:
    """Change fields of an account (email normalised, display name cleaned); `NotFound` if it does not exist."""
    unknown = set(fields) - USER_UPDATABLE
    if unknown:
        raise ValueError(f"cannot update {sorted(unknown)}")
    user = await get_user(session, user_id)
    if user is None:
        raise NotFound("user")
    if isinstance(fields.get("email"), str):
        fields["email"] = normalize_email(fields["email"])
    if isinstance(fields.get("display_name"), str):
        fields["display_name"] = clean_text(fields["display_name"]).strip()[:200]
    for name, value in fields.items():
        setattr(user, name, value)
    await session.flush()
    return user


async def lock_account_creation(session: AsyncSession) -> None:
    """Serialise account creation until the transaction ends (so only one first account becomes the admin)."""
    await session.execute(text("SELECT pg_advisory_xact_lock(360360)"))
