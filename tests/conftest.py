"""Shared fixtures: a real PostgreSQL (embedded unless TEST_DATABASE_URL is set), one fresh database per test."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator

import asyncpg
import pytest

from data360_chat.db.engine import Database
from data360_chat.db.migrate import upgrade
from data360_chat.settings import PROJECT_ROOT
from tests.support.postgres import database_url_for, server_url
from tests.support.redis import redis_server


@pytest.fixture(scope="session")
def pg_url() -> str:
    """`postgresql://` URL of the server the tests use (TEST_DATABASE_URL, or an embedded one)."""
    return os.environ.get("TEST_DATABASE_URL") or server_url(PROJECT_ROOT / ".data", "test-postgres")


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """URL of a real Redis server for the session."""
    with redis_server() as url:
        yield url


async def _admin(pg_url: str, sql: str) -> None:
    conn = await asyncpg.connect(database_url_for(pg_url, "postgres"))
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@pytest.fixture(scope="session")
async def template_db(pg_url: str) -> AsyncIterator[str]:
    """A migrated database that each test's database is copied from."""
    name = f"d360_template_{uuid.uuid4().hex[:10]}"
    await _admin(pg_url, f'CREATE DATABASE "{name}"')
    await asyncio.to_thread(upgrade, database_url_for(pg_url, name))
    yield name
    await _admin(pg_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
async def db_url(pg_url: str, template_db: str) -> AsyncIterator[str]:
    """URL of a fresh, migrated database for this test only."""
    name = f"d360_test_{uuid.uuid4().hex[:12]}"
    await _admin(pg_url, f'CREATE DATABASE "{name}" TEMPLATE "{template_db}"')
    yield database_url_for(pg_url, name)
    await _admin(pg_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
async def database(db_url: str) -> AsyncIterator[Database]:
    """The app's `Database` over this test's own database."""
    db = Database(db_url)
    yield db
    await db.dispose()


@pytest.fixture(scope="session")
def offline_mcp_url() -> Iterator[str]:
    """The built-in offline Data360 MCP server (core bundle), serving over HTTP on loopback."""
    from data360_chat.offline_mcp.process import start_offline_server
    from data360_chat.settings import get_settings

    with start_offline_server(get_settings()) as server:
        yield server.url
