"""The answer pipeline's own overhead, with the scripted model in another process and answers stored in PostgreSQL.

1. Time to first text: from calling `answer()` to its first `TextDelta`, minus the scripted model's own time to
   first token (it waits FIRST_TOKEN_DELAY before its first chunk). Target ≤ 20 ms median. Measured for the first
   question of a chat and for a question after HISTORY_MESSAGES earlier messages; the same request (messages and
   tools) sent straight through LiteLLM shows how much of it is LiteLLM and the OpenAI SDK.
2. CPU per streamed token: process CPU time while `answer()` streams a long reply, per streamed chunk. Target for
   the pipeline's own share ≤ 50 µs. LiteLLM (with the OpenAI SDK) parses every chunk at a cost the pipeline cannot
   change, so the same stream consumed straight from `litellm.acompletion` is measured too, and the pipeline's own
   share is the difference.

Runs against BENCH_DATABASE_URL (a `postgresql://` server URL) or the embedded test server; creates and drops its
own database; starts the offline MCP server. Usage: `PYTHONPATH=. .venv/bin/python bench/pipeline_overhead.py`.
"""

from __future__ import annotations

import asyncio
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Awaitable, Callable

from data360_chat.assistant.events import TextDelta
from data360_chat.assistant.pipeline import answer
from data360_chat.assistant.prompt import system_prompt, trim_history
from data360_chat.assistant.store import HISTORY_MESSAGES
from data360_chat.db.engine import Database
from data360_chat.mcp_client import McpHub
from data360_chat.offline_mcp.process import start_offline_server
from data360_chat.repositories.chats import create_chat
from data360_chat.repositories.messages import list_messages
from data360_chat.repositories.users import create_user
from data360_chat.settings import PROJECT_ROOT, Settings
from tests.support.net import free_port
from tests.support.postgres import bench_server, scratch_database
from tests.support.scripted_llm import many_words

FIRST_TOKEN_DELAY = 0.05
TTFT_RUNS = 30
STREAM_WORDS = 3000
STREAM_RUNS = 5
PER_CHUNK = 4
QUESTION = "Population of Kenya?"


def start_model(text: str, first_chunk_delay: float) -> tuple[subprocess.Popen, str]:
    """The scripted model in its own process (its CPU is not counted), serving `text` to every request."""
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.support.scripted_llm",
            *("--port", str(port), "--text", text, "--per-chunk", str(PER_CHUNK)),
            *("--first-chunk-delay", str(first_chunk_delay)),
        ],
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
    )
    assert process.stdout is not None
    process.stdout.readline()  # "listening on ..."
    return process, f"http://127.0.0.1:{port}/v1"


async def first_text_ms(owner, database, hub, settings) -> float:
    started = time.perf_counter()
    stream = answer(*owner, QUESTION, database=database, hub=hub, settings=settings)
    first = None
    async for event in stream:
        if first is None and isinstance(event, TextDelta):
            first = time.perf_counter()
    assert first is not None
    return (first - started) * 1000


async def litellm_first_text_ms(url: str, messages: list[dict], tools: list[dict]) -> float:
    import litellm  # after the app package, which keeps LiteLLM's price map local

    started = time.perf_counter()
    response = await litellm.acompletion(
        model="openai/scripted",
        api_base=url,
        api_key="bench",
        messages=messages,
        tools=tools,
        stream=True,
        stream_options={"include_usage": True},
        max_retries=0,
    )
    first = None
    async for chunk in response:
        if first is None and chunk.choices and chunk.choices[0].delta.content:
            first = time.perf_counter()
    assert first is not None
    return (first - started) * 1000


async def sent_messages(database, owner, settings) -> list[dict]:
    """What `answer()` sends the model for QUESTION in this chat."""
    async with database.session() as session:
        earlier = await list_messages(session, *owner, last=HISTORY_MESSAGES)
    history = [{"role": m.role, "content": m.content} for m in earlier]
    history = trim_history([*history, {"role": "user", "content": QUESTION}], settings.history_token_budget)
    return [{"role": "system", "content": system_prompt()}, *history]


async def time_to_first_text(label, new_owner, database, hub, settings, url) -> None:
    """Median overheads over TTFT_RUNS answers, each in the chat `new_owner()` gives."""
    pipeline, bare = [], []
    for _ in range(TTFT_RUNS):
        owner = await new_owner()
        messages = await sent_messages(database, owner, settings)
        pipeline.append(await first_text_ms(owner, database, hub, settings))
        bare.append(await litellm_first_text_ms(url, messages, hub.openai_tools()))
    delay_ms = FIRST_TOKEN_DELAY * 1000
    total = statistics.median(pipeline) - delay_ms
    base = statistics.median(bare) - delay_ms
    print(f"  {label} (the system prompt and {len(messages) - 1} messages sent):")
    p90 = statistics.quantiles(pipeline, n=10)[-1] - delay_ms
    print(f"    answer() overhead      {total:6.1f} ms  (target ≤ 20 ms; p90 {p90:.1f} ms)")
    print(f"    LiteLLM + OpenAI SDK   {base:6.1f} ms  (the same request straight through LiteLLM)")
    print(f"    the pipeline's own     {total - base:6.1f} ms  (storing the question and the answer row, prompt)")


async def pipeline_cpu_per_chunk(owner, database, hub, settings) -> tuple[float, int]:
    cpu = time.process_time()
    chunks = 0
    async for event in answer(*owner, "Tell me everything", database=database, hub=hub, settings=settings):
        chunks += isinstance(event, TextDelta)
    return (time.process_time() - cpu) / chunks * 1e6, chunks


async def litellm_cpu_per_chunk(url: str, tools: list[dict]) -> tuple[float, int]:
    import litellm

    cpu = time.process_time()
    response = await litellm.acompletion(
        model="openai/scripted",
        api_base=url,
        api_key="bench",
        messages=[{"role": "system", "content": system_prompt()}, {"role": "user", "content": "Tell me everything"}],
        tools=tools,
        stream=True,
        stream_options={"include_usage": True},
        max_retries=0,
    )
    chunks = 0
    async for chunk in response:
        chunks += bool(chunk.choices and chunk.choices[0].delta.content)
    return (time.process_time() - cpu) / chunks * 1e6, chunks


async def measure(database_url: str, mcp_url: str) -> None:
    database = Database(database_url)
    hub = McpHub(Settings(data360_mcp_url=mcp_url))
    await hub.start()
    async with database.session() as session:
        user = await create_user(session, "bench@example.org")
        chat = await create_chat(session, user.id)
    owner = (user.id, chat.id)

    async def new_chat() -> tuple[uuid.UUID, uuid.UUID]:
        async with database.session() as session:
            return user.id, (await create_chat(session, user.id)).id

    async def same_chat() -> tuple[uuid.UUID, uuid.UUID]:
        return owner

    short, url = start_model("Kenya had about 56 million people in 2024.", FIRST_TOKEN_DELAY)
    try:
        settings = Settings(llm_model="openai/scripted", llm_api_base=url, llm_api_key="bench")
        for _ in range(HISTORY_MESSAGES // 2):  # warm up LiteLLM and the pools, and fill the long chat
            await first_text_ms(owner, database, hub, settings)
        delay = f"model's own first token: {FIRST_TOKEN_DELAY * 1000:.0f} ms"
        print(f"time to first text, median of {TTFT_RUNS} ({delay}):")
        await time_to_first_text("first question of a chat", new_chat, database, hub, settings, url)
        await time_to_first_text("a question in a long chat", same_chat, database, hub, settings, url)
    finally:
        short.terminate()

    long, url = start_model(many_words(STREAM_WORDS), 0.0)
    try:
        settings = Settings(llm_model="openai/scripted", llm_api_base=url, llm_api_key="bench")
        await pipeline_cpu_per_chunk(owner, database, hub, settings)
        pipeline_cpu, litellm_cpu = [], []
        for _ in range(STREAM_RUNS):  # interleaved, so both see the same machine
            pipeline_cpu.append(await pipeline_cpu_per_chunk(owner, database, hub, settings))
            litellm_cpu.append(await litellm_cpu_per_chunk(url, hub.openai_tools()))
    finally:
        long.terminate()
    total = statistics.median(cpu for cpu, _ in pipeline_cpu)
    base = statistics.median(cpu for cpu, _ in litellm_cpu)
    print(f"CPU per streamed token, median of {STREAM_RUNS} answers of {pipeline_cpu[0][1]} chunks:")
    print(f"  answer() in total       {total:6.1f} µs")
    print(f"    LiteLLM + OpenAI SDK  {base:6.1f} µs  (the same stream straight through LiteLLM)")
    print(f"    the pipeline's own    {total - base:6.1f} µs  (target ≤ 50 µs)")
    await hub.close()
    await database.dispose()


async def with_database(mcp_url: str, measurement: Callable[[str, str], Awaitable[None]] = measure) -> None:
    """Run `measurement(database_url, mcp_url)` on a new migrated database, dropped afterwards."""
    async with scratch_database(bench_server(), "d360_bench") as url:
        await measurement(url, mcp_url)


def main() -> None:
    with start_offline_server(Settings()) as mcp:
        asyncio.run(with_database(mcp.url))


if __name__ == "__main__":
    main()
