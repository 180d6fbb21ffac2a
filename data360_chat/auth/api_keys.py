"""Personal API keys: `d360_<prefix>_<secret>`, shown once at creation, stored as a SHA-256, revocable."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass

from data360_chat.auth.tokens import token_hash
from data360_chat.db.engine import Database
from data360_chat.db.models import ApiKey
from data360_chat.repositories import NotFound
from data360_chat.repositories import api_keys as stored
from data360_chat.repositories.users import get_user

KEY_PREFIX = "d360_"
MAX_KEYS_PER_USER = 50


class TooManyKeys(Exception):
    """The user already has the most keys allowed."""


@dataclass(frozen=True)
class NewApiKey:
    """A key just created: `secret` is the only time the full key is available."""

    id: uuid.UUID
    name: str
    prefix: str
    secret: str


def looks_like_api_key(value: str) -> bool:
    """Whether a bearer credential is one of our API keys rather than a JWT."""
    return value.startswith(KEY_PREFIX)


async def create_api_key(database: Database, user_id: uuid.UUID, name: str) -> NewApiKey:
    """Create a key for the user; the returned secret is not stored anywhere."""
    prefix = secrets.token_hex(4)
    secret = f"{KEY_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    async with database.session() as session:
        if len(await stored.list_api_keys(session, user_id)) >= MAX_KEYS_PER_USER:
            raise TooManyKeys(f"You can have at most {MAX_KEYS_PER_USER} API keys; revoke one first.")
        key = await stored.add_api_key(session, user_id, name=name, prefix=prefix, key_hash=token_hash(secret))
    return NewApiKey(id=key.id, name=key.name, prefix=f"{KEY_PREFIX}{prefix}", secret=secret)


async def list_api_keys(database: Database, user_id: uuid.UUID) -> list[ApiKey]:
    """The user's live keys, newest first."""
    async with database.session() as session:
        return await stored.list_api_keys(session, user_id)


async def revoke_api_key(database: Database, user_id: uuid.UUID, key_id: uuid.UUID) -> bool:
    """Revoke one of the user's keys; False when it is not one of theirs (or already revoked)."""
    try:
        async with database.session() as session:
            await stored.revoke_api_key(session, user_id, key_id)
    except NotFound:
        return False
    return True


async def user_id_for_api_key(database: Database, secret: str) -> uuid.UUID | None:
    """The owner of a live key with this secret, if the owner's account is active."""
    if not looks_like_api_key(secret) or len(secret) > 200:
        return None
    async with database.session() as session:
        key = await stored.find_live_key(session, token_hash(secret))
        if key is None:
            return None
        user = await get_user(session, key.user_id)
        return user.id if user is not None and user.is_active else None
