"""Server-side sessions: a random token in an HttpOnly cookie, its SHA-256 in PostgreSQL or Redis.

A session ends when it has not been used for `SESSION_IDLE_MINUTES`, `SESSION_ABSOLUTE_HOURS` after sign-in, or
when it is ended (sign-out, password change); from then on its token resolves to nobody, on every tab at once.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

import redis.asyncio as aioredis

from data360_chat.auth.tokens import new_token, token_hash
from data360_chat.db.engine import Database
from data360_chat.repositories import sessions as stored

SEEN_PRECISION = timedelta(minutes=1)  # last use is written at most this often


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class SessionPolicy:
    """How long sessions last."""

    idle: timedelta
    absolute: timedelta


class SessionStore(Protocol):
    """Where sessions live."""

    async def create(self, user_id: uuid.UUID, *, user_agent: str = "", ip: str = "") -> str:
        """Start a session; returns the token for the cookie (never stored as is)."""
        ...

    async def user_id_for(self, token: str) -> uuid.UUID | None:
        """The user of a live session (marking it used), or None for an unknown, ended or expired one."""
        ...

    async def end(self, token: str) -> None:
        """End one session."""
        ...

    async def end_all(self, user_id: uuid.UUID, *, keep_token: str | None = None) -> int:
        """End every session of a user (but `keep_token`'s); returns how many ended."""
        ...


class DatabaseSessions:
    """Sessions in the `auth_sessions` table."""

    def __init__(self, database: Database, policy: SessionPolicy) -> None:
        self.database = database
        self.policy = policy

    async def create(self, user_id: uuid.UUID, *, user_agent: str = "", ip: str = "") -> str:
        token, now = new_token(), _now()
        async with self.database.session() as session:
            await stored.add_session(
                session,
                user_id,
                token_hash(token),
                now=now,
                expires_at=now + self.policy.absolute,
                user_agent=user_agent,
                ip=ip,
            )
        return token

    async def user_id_for(self, token: str) -> uuid.UUID | None:
        if not token:
            return None
        hashed, now = token_hash(token), _now()
        async with self.database.session() as session:
            row = await stored.get_session_by_hash(session, hashed)
            if row is None:
                return None
            if row.expires_at <= now or row.last_seen_at + self.policy.idle <= now:
                await stored.delete_session(session, hashed)
                return None
            if now - row.last_seen_at >= SEEN_PRECISION:
                await stored.mark_seen(session, hashed, now)
            return row.user_id

    async def end(self, token: str) -> None:
        async with self.database.session() as session:
            await stored.delete_session(session, token_hash(token))

    async def end_all(self, user_id: uuid.UUID, *, keep_token: str | None = None) -> int:
        keep = token_hash(keep_token) if keep_token else None
        async with self.database.session() as session:
            return await stored.delete_user_sessions(session, user_id, keep_hash=keep)


class RedisSessions:
    """Sessions in Redis: one key per session expiring on its own, and a set of a user's sessions."""

    PREFIX = "d360:session:"
    USER_PREFIX = "d360:user-sessions:"

    def __init__(self, client: aioredis.Redis, policy: SessionPolicy) -> None:
        self.redis = client
        self.policy = policy

    def _ttl(self, record: dict, now: datetime) -> timedelta:
        ends = datetime.fromisoformat(record["expires_at"])
        return min(self.policy.idle, ends - now)

    async def create(self, user_id: uuid.UUID, *, user_agent: str = "", ip: str = "") -> str:
        token, now = new_token(), _now()
        hashed = token_hash(token)
        record = {
            "user_id": str(user_id),
            "created_at": now.isoformat(),
            "last_seen_at": now.isoformat(),
            "expires_at": (now + self.policy.absolute).isoformat(),
            "user_agent": user_agent[:500],
            "ip": ip[:64],
        }
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.set(self.PREFIX + hashed, json.dumps(record), px=self._ttl(record, now))
            pipe.sadd(self.USER_PREFIX + str(user_id), hashed)
            pipe.pexpire(self.USER_PREFIX + str(user_id), self.policy.absolute)
            await pipe.execute()
        return token

    async def user_id_for(self, token: str) -> uuid.UUID | None:
        if not token:
            return None
        hashed, now = token_hash(token), _now()
        raw = await self.redis.get(self.PREFIX + hashed)
        if raw is None:
            return None
        record = json.loads(raw)
        ttl = self._ttl(record, now)
        last_seen = datetime.fromisoformat(record["last_seen_at"])
        if ttl <= timedelta(0) or last_seen + self.policy.idle <= now:
            await self.end(token)
            return None
        if now - last_seen >= SEEN_PRECISION:
            record["last_seen_at"] = now.isoformat()
            # XX: a session ended meanwhile is not brought back.
            await self.redis.set(self.PREFIX + hashed, json.dumps(record), px=ttl, xx=True)
        return uuid.UUID(record["user_id"])

    async def end(self, token: str) -> None:
        hashed = token_hash(token)
        raw = await self.redis.getdel(self.PREFIX + hashed)
        if raw is not None:
            await self.redis.srem(self.USER_PREFIX + json.loads(raw)["user_id"], hashed)

    async def end_all(self, user_id: uuid.UUID, *, keep_token: str | None = None) -> int:
        keep = token_hash(keep_token) if keep_token else None
        user_key = self.USER_PREFIX + str(user_id)
        hashes = [h.decode() if isinstance(h, bytes) else h for h in await self.redis.smembers(user_key)]
        doomed = [h for h in hashes if h != keep]
        if not doomed:
            return 0
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.delete(*(self.PREFIX + h for h in doomed))
            pipe.srem(user_key, *doomed)
            ended, _ = await pipe.execute()
        return int(ended)
