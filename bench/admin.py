"""The admin dashboards on real volumes: 10,000 users, 50,000 chats, 1,000,000 messages over 180 days, 500,000
tool calls and 50,000 ratings, bulk-inserted with generate_series; each dashboard query timed over the default
30 days and over all 180, plus a page and a search of the account list.

Target: every query ≤ 500 ms median over the default range (the 180-day column is shown for comparison).
Runs against BENCH_DATABASE_URL (a `postgresql://` server URL) or the embedded test server; creates and drops
its own database. Usage: `PYTHONPATH=. .venv/bin/python bench/admin.py`.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

import asyncpg

from data360_chat.admin import accounts
from data360_chat.admin.dashboards import DASHBOARDS
from data360_chat.admin.periods import DateRange, default_range
from data360_chat.db.engine import Database
from tests.support.postgres import bench_server, scratch_database

USERS = 10_000
CHATS_PER_USER = 5
QUESTIONS = 500_000  # each with an answer: 1,000,000 messages
DAYS = 180
RUNS = 7
TARGET_MS = 500

SEED = [
    f"""INSERT INTO users (id, email, display_name, is_admin, is_active, created_at)
        SELECT gen_random_uuid(), 'user' || i || '@example.org', 'User ' || i, i = 1, true,
               now() - (i % {DAYS}) * interval '1 day'
        FROM generate_series(1, {USERS}) AS i""",
    f"""INSERT INTO chats (id, user_id, title)
        SELECT gen_random_uuid(), u.id, 'Chat ' || n FROM users u, generate_series(1, {CHATS_PER_USER}) AS n""",
    "CREATE TEMP TABLE numbered AS SELECT id, row_number() OVER () - 1 AS n FROM chats",
    f"""INSERT INTO messages (chat_id, role, content, status, model, prompt_tokens, completion_tokens,
                              first_token_ms, latency_ms, grounded_share, numbers_checked, created_at)
        SELECT c.id, r.role,
               CASE WHEN r.role = 'user' THEN 'Population of Kenya since 2000?' ELSE 'Kenya had 55.1 million.' END,
               CASE WHEN r.role = 'user' OR i % 20 > 1 THEN 'complete' WHEN i % 20 = 1 THEN 'error'
                    ELSE 'cancelled' END,
               CASE WHEN r.role = 'user' THEN NULL WHEN i % 3 = 0 THEN 'gpt-4o' WHEN i % 3 = 1 THEN 'gpt-4o-mini'
                    ELSE 'data360-offline/analyst' END,
               CASE WHEN r.role = 'assistant' THEN 800 + i % 900 END,
               CASE WHEN r.role = 'assistant' THEN 100 + i % 300 END,
               CASE WHEN r.role = 'assistant' THEN 200 + (i * 37) % 2000 END,
               CASE WHEN r.role = 'assistant' THEN 1500 + (i * 53) % 20000 END,
               CASE WHEN r.role = 'assistant' AND i % 4 <> 0 THEN (i % 5) / 4.0 END,
               CASE WHEN r.role = 'assistant' AND i % 4 <> 0 THEN 1 + i % 6 END,
               now() - ((i::bigint * 7919) % ({DAYS} * 86400)) * interval '1 second'
                     + CASE WHEN r.role = 'assistant' THEN interval '5 seconds' ELSE interval '0' END
        FROM generate_series(1, {QUESTIONS}) AS i
        JOIN numbered c ON c.n = i % {USERS * CHATS_PER_USER}
        CROSS JOIN (VALUES ('user'), ('assistant')) AS r(role)""",
    """INSERT INTO tool_calls (message_id, tool_name, arguments, status, duration_ms, created_at)
        SELECT id, CASE WHEN id % 3 = 0 THEN 'data360_search_indicators' ELSE 'data360_get_data' END,
               CASE WHEN id % 3 = 0 THEN jsonb_build_object('query', 'population', 'required_country', 'KEN')
                    ELSE jsonb_build_object('indicator_id', (ARRAY['WB_WDI_SP_POP_TOTL', 'WB_WDI_NY_GDP_MKTP_CD',
                         'WB_WDI_SP_DYN_LE00_IN', 'WB_WDI_FP_CPI_TOTL_ZG'])[1 + id % 4],
                         'disaggregation_filters', jsonb_build_object('REF_AREA',
                         (ARRAY['KEN', 'KEN,TZA', 'BRA,IND,CHN', 'NGA', 'USA'])[1 + id % 5])) END,
               CASE WHEN id % 25 = 0 THEN 'error' ELSE 'ok' END, 50 + (id * 31) % 900, created_at
        FROM messages WHERE role = 'assistant'""",
    """INSERT INTO feedback (message_id, user_id, rating, comment, created_at)
        SELECT m.id, c.user_id, CASE WHEN m.id % 4 = 0 THEN -1 ELSE 1 END,
               CASE WHEN m.id % 40 = 0 THEN 'The numbers look off' ELSE '' END, m.created_at + interval '1 minute'
        FROM messages m JOIN chats c ON c.id = m.chat_id WHERE m.role = 'assistant' AND m.id % 10 = 0""",
    "VACUUM ANALYZE",  # what autovacuum does after a load: the dashboards' index-only scans need it
]


async def seed(url: str) -> None:
    """Fill the database, printing how long each step took."""
    conn = await asyncpg.connect(url)
    try:
        for sql in SEED:
            started = time.perf_counter()
            status = await conn.execute(sql)
            print(f"  {status:28s} {time.perf_counter() - started:6.1f} s")
    finally:
        await conn.close()


async def timed(call: Callable[[], Awaitable[object]]) -> float:
    """Median wall time of `call()` in milliseconds (after one warm-up run)."""
    await call()
    samples = []
    for _ in range(RUNS):
        started = time.perf_counter()
        await call()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def queries(database: Database, period: DateRange) -> dict[str, Callable[[], Awaitable[object]]]:
    """Each dashboard query on its own session (activity and timings include the whole range's row)."""

    def on_session(work: Callable) -> Callable[[], Awaitable[object]]:
        async def call() -> object:
            async with database.session() as session:
                return await work(session, period)

        return call

    return {name: on_session(dashboard.rows) for name, dashboard in DASHBOARDS.items()}


async def main() -> None:
    async with scratch_database(bench_server(), "d360_bench_admin") as url:
        database = Database(url)
        try:
            print(f"seeding {USERS:,} users, {QUESTIONS * 2:,} messages over {DAYS} days:")
            await seed(url)
            last_30 = default_range()
            today = datetime.now(UTC).date()
            everything = DateRange(today - timedelta(days=DAYS), today)
            short, long = queries(database, last_30), queries(database, everything)

            async def account_page() -> object:
                async with database.session() as session:
                    return await accounts.list_accounts(session, "", 200)

            async def account_search() -> object:
                async with database.session() as session:
                    return await accounts.list_accounts(session, "user4242", 1)

            print(
                f"\n{'query':18s} {'30 days':>10s} {f'{DAYS} days':>10s}   (median of {RUNS}, target ≤ {TARGET_MS} ms)"
            )
            worst = slowest_long = 0.0
            for label in short:
                a, b = await timed(short[label]), await timed(long[label])
                worst, slowest_long = max(worst, a), max(slowest_long, b)
                print(f"{label:18s} {a:8.1f} ms {b:8.1f} ms")
            for label, call in (("accounts page 200", account_page), ("accounts search", account_search)):
                median = await timed(call)
                worst = max(worst, median)
                print(f"{label:18s} {median:8.1f} ms")
            verdict = "ok" if worst <= TARGET_MS else "OVER TARGET"
            print(f"\nslowest median over 30 days and the account list {worst:.1f} ms: {verdict}")
            print(f"slowest median over {DAYS} days {slowest_long:.1f} ms")
        finally:
            await database.dispose()


if __name__ == "__main__":
    asyncio.run(main())
