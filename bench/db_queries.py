"""Hot database paths: a user's newest 50 chats (of 10,000) and a 1,000-message chat.

Targets: list ≤ 20 ms median, load ≤ 100 ms median, both using index scans.
Runs against BENCH_DATABASE_URL (a `postgresql://` server URL) or the embedded test server; creates and drops
its own database. Usage: `PYTHONPATH=. .venv/bin/python bench/db_queries.py` (or `make bench`).
"""

from __future__ import annotations

import asyncio
import statistics
import time
import uuid

import asyncpg
from sqlalchemy import event

from data360_chat.db.engine import Database
from data360_chat.repositories import chats, messages
from tests.support.postgres import bench_server, scratch_database

CHATS = 10_000
OTHER_USERS_CHATS = 20_000
MESSAGES = 1_000
OTHER_MESSAGES = 100_000
RUNS = 50


async def seed(url: str) -> tuple[uuid.UUID, uuid.UUID]:
    """One user with 10,000 chats (one of them with 1,000 messages), plus another user's chats and messages."""
    conn = await asyncpg.connect(url)
    try:
        user_id, other_id, big_chat = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
        await conn.execute(
            "INSERT INTO users (id, email, is_admin, is_active) VALUES ($1, 'bench@example.org', false, true),"
            " ($2, 'other@example.org', false, true)",
            user_id,
            other_id,
        )
        for owner, count in ((user_id, CHATS - 1), (other_id, OTHER_USERS_CHATS)):
            await conn.execute(
                "INSERT INTO chats (id, user_id, title, created_at, updated_at)"
                " SELECT gen_random_uuid(), $1, 'Chat ' || i, now() - i * interval '1 minute',"
                " now() - i * interval '1 minute' FROM generate_series(1, $2) AS i",
                owner,
                count,
            )
        await conn.execute(
            "INSERT INTO chats (id, user_id, title) VALUES ($1, $2, 'Long conversation')", big_chat, user_id
        )
        await conn.execute(
            "INSERT INTO messages (chat_id, role, content, status)"
            " SELECT $1, CASE WHEN i % 2 = 0 THEN 'user' ELSE 'assistant' END,"
            " repeat('Population of Kenya grew steadily. ', 15), 'complete' FROM generate_series(1, $2) AS i",
            big_chat,
            MESSAGES,
        )
        await conn.execute(  # other conversations' messages, so the big chat's are a small slice of the table
            "INSERT INTO messages (chat_id, role, content, status)"
            " SELECT c.id, 'user', 'Compare GDP per capita of Brazil, India and China', 'complete'"
            " FROM (SELECT id FROM chats WHERE user_id = $1 LIMIT $2) AS c, generate_series(1, 10)",
            other_id,
            OTHER_MESSAGES // 10,
        )
        await conn.execute("ANALYZE")
        return user_id, big_chat
    finally:
        await conn.close()


async def timed(call, runs: int = RUNS) -> float:
    """Median wall time of `call()` in milliseconds."""
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        await call()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


async def explain(database: Database, call) -> str:
    """The plan of the last statement `call()` sends."""
    captured: list[tuple[str, object]] = []

    def capture(_conn, _cursor, statement, parameters, _context, _many) -> None:
        captured.append((statement, parameters))

    event.listen(database.engine.sync_engine, "before_cursor_execute", capture)
    try:
        await call()
    finally:
        event.remove(database.engine.sync_engine, "before_cursor_execute", capture)
    statement, parameters = captured[-1]
    async with database.engine.connect() as conn:
        rows = await conn.exec_driver_sql("EXPLAIN " + statement, parameters)
        return "\n".join(row[0] for row in rows)


async def main() -> None:
    async with scratch_database(bench_server(), "d360_bench") as url:
        database = Database(url)
        try:
            user_id, big_chat = await seed(url)

            async def list_newest() -> None:
                async with database.session() as s:
                    assert len(await chats.list_chats(s, user_id, limit=50)) == 50

            async def load_chat() -> None:
                async with database.session() as s:
                    assert len(await messages.list_messages(s, user_id, big_chat)) == MESSAGES

            await list_newest(), await load_chat()  # warm the pool and caches
            results = [
                ("newest 50 of 10,000 chats", await timed(list_newest), 20, await explain(database, list_newest)),
                ("chat with 1,000 messages", await timed(load_chat), 100, await explain(database, load_chat)),
            ]
            for label, median, target, plan in results:
                verdict = "ok" if median <= target else "OVER TARGET"
                print(f"{label:28s} median {median:7.2f} ms  (target ≤ {target} ms: {verdict})")
                print("  " + plan.replace("\n", "\n  "))
        finally:
            await database.dispose()


if __name__ == "__main__":
    asyncio.run(main())
