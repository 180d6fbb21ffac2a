"""What metrics and tracing add to an answer's time to first text.

The answer pipeline against the scripted model (in its own process, first chunk after FIRST_TOKEN_DELAY), answers
stored in PostgreSQL, the offline MCP server: from calling `answer()` to its first `TextDelta`, with metrics and
tracing off, then on (metrics shared through a `PROMETHEUS_MULTIPROC_DIR` as `serve` runs them; spans exported over
OTLP/HTTP to a receiver in its own process on loopback). Off and on alternate in blocks of BLOCK answers, RUNS
answers each; each answer is the first question of a new chat. Target: the medians differ by less than 1 ms.

Runs against BENCH_DATABASE_URL or the embedded test server. Usage:
`PYTHONPATH=. .venv/bin/python bench/observability_overhead.py`.
"""

from __future__ import annotations

import os
import shutil
import tempfile

# Before prometheus_client is imported: it picks multi-process mode when it is first imported. Removed at the end.
os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="d360-bench-metrics-")

import asyncio
import statistics
import subprocess
import sys
import uuid

from bench.pipeline_overhead import FIRST_TOKEN_DELAY, first_text_ms, start_model, with_database
from data360_chat.db.engine import Database
from data360_chat.mcp_client import McpHub
from data360_chat.observability.metrics import configure_metrics
from data360_chat.observability.tracing import configure_tracing, shutdown_tracing
from data360_chat.offline_mcp.process import start_offline_server
from data360_chat.repositories.chats import create_chat
from data360_chat.repositories.users import create_user
from data360_chat.settings import PROJECT_ROOT, Settings
from tests.support.net import free_port

RUNS = 200
BLOCK = 20
WARM_UP = 20


def start_receiver() -> tuple[subprocess.Popen, str]:
    """The OTLP/HTTP receiver in its own process (its CPU is not counted)."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.support.otlp_receiver", "--port", str(port)],
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
    )
    assert process.stdout is not None
    process.stdout.readline()  # "listening on ..."
    return process, f"http://127.0.0.1:{port}"


def observe(on: bool, receiver_url: str) -> None:
    """Metrics and tracing both on, or both off."""
    configure_metrics(on)
    if on:
        configure_tracing(Settings(otel_exporter_otlp_endpoint=receiver_url))
    else:
        shutdown_tracing()


async def measure(database_url: str, mcp_url: str) -> None:
    database = Database(database_url)
    hub = McpHub(Settings(data360_mcp_url=mcp_url))
    await hub.start()
    async with database.session() as session:
        user = await create_user(session, "bench@example.org")

    async def new_chat() -> tuple[uuid.UUID, uuid.UUID]:
        async with database.session() as session:
            return user.id, (await create_chat(session, user.id)).id

    model, url = start_model("Kenya had about 56 million people in 2024.", FIRST_TOKEN_DELAY)
    receiver, receiver_url = start_receiver()
    times: dict[bool, list[float]] = {False: [], True: []}
    try:
        settings = Settings(llm_model="openai/scripted", llm_api_base=url, llm_api_key="bench")
        for on in (False, True):  # warm up LiteLLM, the pools and the exporter
            observe(on, receiver_url)
            for _ in range(WARM_UP):
                await first_text_ms(await new_chat(), database, hub, settings)
        for block in range(2 * RUNS // BLOCK):
            on = block % 2 == 1
            observe(on, receiver_url)
            for _ in range(BLOCK):
                times[on].append(await first_text_ms(await new_chat(), database, hub, settings))
    finally:
        observe(False, receiver_url)
        model.terminate()
        receiver.terminate()
        await hub.close()
        await database.dispose()
    off, on = statistics.median(times[False]), statistics.median(times[True])
    delay = f"model's own first token: {FIRST_TOKEN_DELAY * 1000:.0f} ms"
    print(f"time to first text, median of {RUNS} answers each ({delay}):")
    print(f"  metrics and tracing off   {off:7.2f} ms")
    print(f"  metrics and tracing on    {on:7.2f} ms  (spans exported over OTLP/HTTP to a loopback receiver)")
    print(f"  difference                {on - off:7.2f} ms  (target < 1 ms)")


def main() -> None:
    try:
        with start_offline_server(Settings()) as mcp:
            asyncio.run(with_database(mcp.url, measure))
    finally:
        shutil.rmtree(os.environ["PROMETHEUS_MULTIPROC_DIR"], ignore_errors=True)


if __name__ == "__main__":
    main()
