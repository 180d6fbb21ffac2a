"""Concurrent streaming chats on one replica and on two: how many tabs can stream at once, and at what cost.

N browser-less tabs (real websocket clients speaking Reflex's event protocol, `tests/support/reflex_socket.py`),
each signed in as its own person, open the chat page and ask at the same moment; a scripted OpenAI-compatible server
streams each answer (300 tokens) at 50 tokens/s, a token every 20 ms. The replicas are the app as production runs
it (`serve --prebuilt`, one worker each unless `--workers` says more, Redis holding the pages' state, one
PostgreSQL); with two, tabs alternate between them. For each N: the p95 gap between the visible updates a tab
receives (updates that carry answer text), CPU of the app processes per streamed token, memory of the app processes
per connected tab, errors (a tab that failed, or an answer not stored complete), and the load average (the machine
is shared).

Held to: the p95 gap ≤ 2 × the model's 20 ms gap, and, since the app sends the text about nine times a second by
design (`ui/state/chat_actions.py` FLUSH_INTERVAL), ≤ 2 × that interval; the goal is 50 concurrent streaming chats
on one replica with no errors. Runs against BENCH_DATABASE_URL (a `postgresql://` server URL) or the embedded test
server, and a Redis of its own.
Usage: `PYTHONPATH=. .venv/bin/python bench/load.py [--levels 1,10,25,50,75,100] [--replicas 1,2] [--workers 1]`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import os
import statistics
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import redis.asyncio as aioredis
from sqlalchemy import select

from data360_chat.auth.sessions import RedisSessions, SessionPolicy
from data360_chat.db.engine import Database
from data360_chat.db.migrate import upgrade
from data360_chat.db.models import Message
from data360_chat.repositories.users import create_user
from data360_chat.settings import PROJECT_ROOT
from data360_chat.ui.state.chat_actions import FLUSH_INTERVAL, ChatActions
from data360_chat.ui.state.stream import StreamState
from tests.support.accounts import COOKIE_NAME
from tests.support.app_server import Replica, admin_sql, descendants, prebuilt_replicas
from tests.support.postgres import database_url_for, server_url
from tests.support.redis import own_redis
from tests.support.reflex_socket import ReflexSocket
from tests.support.scripted_llm import Reply, ScriptedLLM, Text
from tests.ui.conftest import run_db

TOKENS = 300
TOKEN_GAP = 0.02  # seconds: 50 tokens/s
CHARS_PER_TOKEN = 4
ANSWER_TIMEOUT = 60.0
MODEL_GAP_BOUND = 2 * TOKEN_GAP
FLUSH_GAP_BOUND = 2 * FLUSH_INTERVAL
TICKS = os.sysconf("SC_CLK_TCK")
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")
PAGE_ORIGIN = "http://chat.bench.localhost:3000"  # `PUBLIC_URL` of every replica: the one origin they all accept


def answer_text() -> str:
    """TOKENS tokens of distinct four-character words."""
    return "".join(f"w{n:02d} " for n in range(TOKENS))[: TOKENS * CHARS_PER_TOKEN]


@dataclass
class TabResult:
    """One tab's answer: the gaps between its visible updates, or what went wrong."""

    gaps: list[float]
    error: str = ""


@dataclass
class Level:
    """What N concurrent tabs measured."""

    replicas: int
    tabs: int
    p95_gap_ms: float
    gaps: int  # gaps measured (between visible updates, over every tab that saw its answer end)
    cpu_ms_per_token: float
    kb_per_tab: float
    errors: int
    why: str  # what went wrong, by kind
    seconds: float
    load: tuple[float, float, float]


def process_tree(replicas: list[Replica]) -> list[int]:
    """Every process of the replicas."""
    return [pid for r in replicas for pid in (r.process.pid, *descendants(r.process.pid))]


def cpu_seconds(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        with contextlib.suppress(OSError, IndexError, ValueError):
            fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / TICKS


def rss_kb(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        with contextlib.suppress(OSError, IndexError, ValueError):
            total += int(Path(f"/proc/{pid}/statm").read_text().split()[1])
    return total * PAGE_SIZE / 1024


def visible(update: dict[str, Any]) -> bool:
    """Whether an update carries answer text to show."""
    return bool((update.get("delta") or {}).get(StreamState.get_full_name(), {}).get("piece_rx_state_"))


async def open_tab(url: str, cookie: str) -> ReflexSocket:
    tab = ReflexSocket(url, cookie=cookie, chain=True, origin=PAGE_ORIGIN)
    await tab.__aenter__()
    await tab.send(ChatActions, "load")
    await tab.settle(quiet=0.3, longest=30)
    return tab


async def stream_one(tab: ReflexSocket, question: str) -> TabResult:
    """Ask in a new chat and wait for the answer's last visible update; the gaps between visible updates."""
    start = len(tab.updates)
    await tab.send(ChatActions, "send", {"form": {"question": question, "attempt": uuid.uuid4().hex}})
    deadline = time.monotonic() + ANSWER_TIMEOUT
    name = StreamState.get_full_name()
    while time.monotonic() < deadline:
        await asyncio.sleep(0.1)
        if not tab.connected:
            return TabResult([], "disconnected")
        ended = any(
            (update.get("delta") or {}).get(name, {}).get("active_rx_state_") is False for update in tab.updates[start:]
        )
        if ended:
            times = [
                at for at, update in zip(tab.arrivals[start:], tab.updates[start:], strict=True) if visible(update)
            ]
            return TabResult([b - a for a, b in itertools.pairwise(times)])
    return TabResult([], "no end within the time limit")


def stored_complete(db_url: str, since_id: int) -> int:
    """Answers stored complete with the whole text since message `since_id`."""

    async def count(database: Database) -> int:
        async with database.session() as session:
            query = select(Message).where(Message.role == "assistant", Message.id > since_id)
            rows = (await session.execute(query)).scalars().all()
        return sum(1 for m in rows if m.status == "complete" and m.content == answer_text())

    return run_db(db_url, count)


def last_message_id(db_url: str) -> int:
    async def last(database: Database) -> int:
        async with database.session() as session:
            ids = (await session.execute(select(Message.id).order_by(Message.id.desc()).limit(1))).scalars().all()
        return ids[0] if ids else 0

    return run_db(db_url, last)


async def measure(replicas: list[Replica], used: int, cookies: list[str], db_url: str) -> Level:
    """N = len(cookies) tabs over the first `used` replicas, asking at once."""
    pids = process_tree(replicas)
    before_tabs = rss_kb(pids)
    urls = [replicas[i % used].url for i in range(len(cookies))]
    opened = await asyncio.gather(*(open_tab(u, c) for u, c in zip(urls, cookies, strict=True)), return_exceptions=True)
    tabs = [t for t in opened if isinstance(t, ReflexSocket)]
    await asyncio.sleep(1.0)
    with_tabs = rss_kb(pids)
    since = last_message_id(db_url)
    cpu_before, started = cpu_seconds(pids), time.monotonic()
    results = await asyncio.gather(
        *(stream_one(t, f"Question {i}") for i, t in enumerate(tabs)), return_exceptions=True
    )
    seconds = time.monotonic() - started
    cpu = cpu_seconds(pids) - cpu_before
    load = os.getloadavg()
    for tab in tabs:
        with contextlib.suppress(Exception):
            await tab.__aexit__()
    gaps = [g for r in results if isinstance(r, TabResult) for g in r.gaps]
    failed = len(cookies) - len(tabs) + sum(1 for r in results if not isinstance(r, TabResult) or r.error)
    complete = stored_complete(db_url, since)
    errors = max(failed, len(cookies) - complete)
    kinds = Counter(r.error if isinstance(r, TabResult) else type(r).__name__ for r in results)
    kinds.pop("", None)
    kinds.update({"did not connect": len(cookies) - len(tabs), "not stored complete": len(cookies) - complete})
    why = ", ".join(f"{count} {kind}" for kind, count in kinds.items() if count)
    p95 = statistics.quantiles(gaps, n=20)[-1] if len(gaps) >= 20 else float("nan")
    return Level(
        replicas=used,
        tabs=len(cookies),
        p95_gap_ms=p95 * 1000,
        gaps=len(gaps),
        cpu_ms_per_token=cpu * 1000 / (TOKENS * len(cookies)),
        kb_per_tab=(with_tabs - before_tabs) / len(cookies),
        errors=errors,
        why=why,
        seconds=seconds,
        load=load,
    )


def signed_in(db_url: str, redis_url: str, count: int) -> list[str]:
    """`Cookie` headers of `count` new people, each with a session (in Redis, as the replicas keep them)."""

    async def sessions(database: Database) -> list[str]:
        client = aioredis.Redis.from_url(redis_url)
        store = RedisSessions(client, SessionPolicy(idle=timedelta(hours=1), absolute=timedelta(hours=2)))
        try:
            headers = []
            for n in range(count):
                async with database.session() as session:
                    user = await create_user(session, f"load{n}@example.org")
                headers.append(f"{COOKIE_NAME}={await store.create(user.id)}")
            return headers
        finally:
            await client.aclose()

    return run_db(db_url, sessions)


@contextlib.contextmanager
def bench_database() -> Iterator[str]:
    server = os.environ.get("BENCH_DATABASE_URL") or server_url(PROJECT_ROOT / ".data", "test-postgres")
    name = f"d360_bench_load_{uuid.uuid4().hex[:8]}"
    admin_sql(server, f'CREATE DATABASE "{name}"')
    try:
        url = database_url_for(server, name)
        upgrade(url)
        yield url
    finally:
        admin_sql(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def report(level: Level) -> None:
    ok = "ok" if level.errors == 0 and level.p95_gap_ms <= FLUSH_GAP_BOUND * 1000 else "over"
    print(
        f"{level.replicas} replica{'s' if level.replicas > 1 else ' '} {level.tabs:>4} tabs: "
        f"p95 gap {level.p95_gap_ms:6.0f} ms ({level.gaps} gaps), {level.cpu_ms_per_token:5.2f} ms CPU/token, "
        f"{level.kb_per_tab:6.0f} KB/tab, {level.errors} errors, {level.seconds:5.1f} s, "
        f"load {level.load[0]:.1f}/{level.load[1]:.1f}/{level.load[2]:.1f} [{ok}]"
        + (f"\n    errors: {level.why}" if level.errors else ""),
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--levels", default="1,10,25,50,75,100", help="numbers of concurrent tabs, in order")
    parser.add_argument("--replicas", default="1,2", help="numbers of replicas to measure")
    parser.add_argument("--workers", default="1", help="worker processes of each replica (GRANIAN_WORKERS)")
    args = parser.parse_args()
    levels = [int(n) for n in args.levels.split(",")]
    counts = [int(n) for n in args.replicas.split(",")]
    reply = Reply(steps=(Text(answer_text(), per_chunk=CHARS_PER_TOKEN),), chunk_delay=TOKEN_GAP)
    with (
        bench_database() as db_url,
        own_redis() as redis,
        ScriptedLLM.in_thread([reply], repeat_last=True) as llm,
    ):
        env = {
            "REDIS_URL": redis.url,
            "PUBLIC_URL": PAGE_ORIGIN,
            "GRANIAN_WORKERS": args.workers,
            "LLM_MODEL": "openai/scripted",
            "LLM_API_BASE": llm.url,
            "LLM_API_KEY": "bench",
            "USER_QUESTION_LIMIT": "100000",
            "TENANT_QUESTION_LIMIT": "100000",
        }
        with prebuilt_replicas(db_url, max(counts), env=env) as replicas:
            cookies = signed_in(db_url, redis.url, max(levels))
            print(
                f"{TOKENS} tokens an answer at {1 / TOKEN_GAP:.0f} tokens/s; bounds: p95 gap ≤ "
                f"{MODEL_GAP_BOUND * 1000:.0f} ms (2 × the model's gap), ≤ {FLUSH_GAP_BOUND * 1000:.0f} ms "
                f"(2 × the app's update interval); {os.cpu_count()} CPUs"
            )
            for used in counts:
                within = within_model = without_errors = 0
                for tabs in levels:  # every level until one has errors
                    level = asyncio.run(measure(replicas, used, cookies[:tabs], db_url))
                    report(level)
                    if level.errors:
                        break
                    without_errors = tabs
                    within = tabs if level.p95_gap_ms <= FLUSH_GAP_BOUND * 1000 else within
                    within_model = tabs if level.p95_gap_ms <= MODEL_GAP_BOUND * 1000 else within_model
                print(
                    f"{used} replica(s): largest N with no errors {without_errors}; with the p95 gap within "
                    f"{FLUSH_GAP_BOUND * 1000:.0f} ms {within}, within {MODEL_GAP_BOUND * 1000:.0f} ms {within_model} "
                    f"(the app sends text at most every {FLUSH_INTERVAL * 1000:.0f} ms); "
                    "goal: 50 tabs on one replica with no errors",
                    flush=True,
                )


if __name__ == "__main__":
    main()
