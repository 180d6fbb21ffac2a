"""The async SQLAlchemy engine over asyncpg, and turning connection failures into one clear line."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import lru_cache
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import asyncpg
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from data360_chat.settings import Settings, get_settings


class DatabaseUnavailable(RuntimeError):
    """PostgreSQL cannot be reached; the message names where it was looked for."""


UNREACHABLE = (
    ConnectionError,
    socket.gaierror,
    TimeoutError,
    asyncpg.PostgresConnectionError,
    asyncpg.CannotConnectNowError,
    InterfaceError,
    OperationalError,
    DatabaseUnavailable,
)


def is_unavailable(exc: BaseException) -> bool:
    """Whether an error means PostgreSQL could not be reached (down, restarting, refusing connections)."""
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    return isinstance(exc, UNREACHABLE) or isinstance(getattr(exc, "orig", None), UNREACHABLE)


def async_url(url: str) -> str:
    """Turn any `postgres://`/`postgresql://` URL into one for SQLAlchemy's asyncpg driver."""
    parts = urlsplit(url)
    scheme = "postgresql+asyncpg"
    query = dict(parse_qsl(parts.query))
    if "sslmode" in query:  # libpq spelling; asyncpg calls it `ssl`
        query["ssl"] = query.pop("sslmode")
    return urlunsplit((scheme, parts.netloc, parts.path, urlencode(query), parts.fragment))


def describe_location(url: str) -> str:
    """`host:port/database` (or the socket folder) of a URL, without credentials."""
    parsed = make_url(async_url(url))
    host = parsed.host or parsed.query.get("host") or "localhost"
    return f"{host}:{parsed.port or 5432}/{parsed.database or ''}"


class Database:
    """One engine (with its pool) and a session factory for one PostgreSQL database."""

    def __init__(self, url: str, *, pool_size: int = 5, max_overflow: int = 5) -> None:
        self.url = url
        self.engine: AsyncEngine = create_async_engine(
            async_url(url), pool_pre_ping=True, pool_size=pool_size, max_overflow=max_overflow
        )
        self._sessions = async_sessionmaker(self.engine, expire_on_commit=False)

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """A session that commits when the block ends normally and rolls back otherwise."""
        async with self._sessions() as session:
            try:
                yield session
                await session.commit()
            except BaseException:
                await session.rollback()
                raise

    async def check(self) -> None:
        """Raise `DatabaseUnavailable` with one clear line unless a connection can be made within 5 s."""
        try:
            async with asyncio.timeout(5), self.engine.connect() as conn:
                await conn.exec_driver_sql("SELECT 1")
        except (OSError, asyncpg.PostgresError, DBAPIError, *UNREACHABLE) as exc:
            detail = str(getattr(exc, "orig", None) or exc).strip()
            reason = detail.splitlines()[0] if detail else "timed out" if isinstance(exc, TimeoutError) else "refused"
            raise DatabaseUnavailable(f"Cannot reach PostgreSQL at {describe_location(self.url)}: {reason}") from None

    async def dispose(self) -> None:
        """Close every pooled connection."""
        await self.engine.dispose()


def resolve_database_url(settings: Settings) -> str:
    """`DATABASE_URL`, or the embedded server's URL (starting it if needed)."""
    if settings.database_url:
        return settings.database_url
    from data360_chat.db.embedded import embedded_url, start_embedded

    return embedded_url(start_embedded(settings.data_dir))


@lru_cache(maxsize=1)
def get_database() -> Database:
    """The process-wide database."""
    settings = get_settings()
    return Database(
        resolve_database_url(settings), pool_size=settings.db_pool_size, max_overflow=settings.db_max_overflow
    )
