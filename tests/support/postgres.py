"""PostgreSQL for tests and benchmarks: the embedded server in a project-local folder, and databases on it."""

from __future__ import annotations

import asyncio
import contextlib
import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from data360_chat.db.embedded import embedded_url, start_embedded
from data360_chat.db.migrate import upgrade
from data360_chat.settings import PROJECT_ROOT


def server_url(data_dir: Path, folder: str) -> str:
    """Start (or attach to) an embedded server and return the URL of its `postgres` database."""
    return embedded_url(start_embedded(data_dir, folder=folder))


def database_url_for(url: str, database: str) -> str:
    """The same server URL pointing at another database."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{database}", parts.query, parts.fragment))


def bench_server() -> str:
    """The server benchmarks run against: `BENCH_DATABASE_URL`, else the embedded test server."""
    return os.environ.get("BENCH_DATABASE_URL") or server_url(PROJECT_ROOT / ".data", "test-postgres")


@contextlib.asynccontextmanager
async def scratch_database(server: str, prefix: str) -> AsyncIterator[str]:
    """A new migrated database on `server` (its URL), dropped afterwards."""
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(database_url_for(server, "postgres"))
    await admin.execute(f'CREATE DATABASE "{name}"')
    try:
        url = database_url_for(server, name)
        await asyncio.to_thread(upgrade, url)
        yield url
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()
