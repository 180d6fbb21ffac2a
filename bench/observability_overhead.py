"""What metrics and tracing add to an answer's time to first text.

The answer pipeline against the scripted model (in its own process, first chunk after FIRST_TOKEN_DELAY), answers
stored in PostgreSQL, the offline MCP server: from calling `answer()` to its first `TextDelta`, with metrics and
tracing off, then on (metrics shared through a `PROMETHEUS_MULTIPROC_DIR` as `serve` runs them; spans exported over
OTLP/HTTP to a receiver in its own process on loopback). Off and on alternate answer by answer, RUNS answers each,
each the first question of a new chat; also the process's CPU time for the whole answer. Target: the medians of time
to first text differ by less than 1 ms. Last, the metric updates and spans of one answer with a tool call, repeated
in a loop: their cost alone, free of the machine's noise, and the CPU the exporter then spends on them.

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
import time
import uuid
from dataclasses import dataclass, field

from bench.pipeline_overhead import FIRST_TOKEN_DELAY, first_text_ms, start_model, with_database
from data360_chat.db.engine import Database
from data360_chat.mcp_client import McpHub
from data360_chat.observability import metrics
from data360_chat.observability.metrics import configure_metrics
from data360_chat.observability.tracing import configure_tracing, root_span, shutdown_tracing
from data360_chat.offline_mcp.process import start_offline_server
from data360_chat.repositories.chats import create_chat
from data360_chat.repositories.users import create_user
from data360_chat.settings import PROJECT_ROOT, Settings
from tests.support.net import free_port

RUNS = 200
WARM_UP = 20
REPEATS = 200  # answers of 9 spans: below the exporter's queue of 2,048 spans
PASSES = 15


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
    """Metrics and tracing both on (a new exporter), or both off (the spans still queued are exported first)."""
    configure_metrics(on)
    if on:
        configure_tracing(Settings(otel_exporter_otlp_endpoint=receiver_url))
    else:
        shutdown_tracing()


@dataclass
class Answers:
    """What was measured of the answers with observability off or on, in ms each."""

    first_text: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)


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
    runs = {False: Answers(), True: Answers()}
    try:
        settings = Settings(llm_model="openai/scripted", llm_api_base=url, llm_api_key="bench")
        for run in range(WARM_UP + 2 * RUNS):  # off and on in turn, so both see the same machine
            on = run % 2 == 1
            owner = await new_chat()
            observe(on, receiver_url)
            cpu = time.process_time()
            first_text = await first_text_ms(owner, database, hub, settings)  # the whole answer is read
            answer_cpu = (time.process_time() - cpu) * 1000
            observe(False, receiver_url)
            if run >= WARM_UP:
                runs[on].first_text.append(first_text)
                runs[on].cpu.append(answer_cpu)
        alone = {on: [instrumentation_us(on, receiver_url) for _ in range(PASSES)] for on in (False, True)}
    finally:
        observe(False, receiver_url)
        model.terminate()
        receiver.terminate()
        await hub.close()
        await database.dispose()
    report(runs)
    print(f"  the instrumentation of one answer with a tool call, alone (median of {PASSES} passes of {REPEATS}):")
    for label, index in (("before its first text", 0), ("in all (8 spans, 8 metric updates)", 1)):
        off, on = (statistics.median(figures[index] for figures in alone[state]) for state in (False, True))
        print(f"    {label}: off {off:6.1f} µs, on {on:6.1f} µs")
    export = statistics.median(figures[2] for figures in alone[True])
    print(f"    exporting its spans: {export:.1f} µs of CPU, batched in the background")


def one_answers_instrumentation() -> float:
    """The metric updates and spans of an answer with one tool call, as the pipeline makes them; the seconds they
    took before the answer's first text (the answer span, the stored question, the first round's first chunk)."""
    started = time.perf_counter()
    metrics.answer_started()
    with root_span("answer", model="m") as answer:
        with answer.child("db.begin"):
            pass
        before_first_text = 0.0
        for round_number, tools in ((1, 1), (2, 0)):
            with answer.child("llm.round", round=round_number) as model_round:
                metrics.first_token("m", 0.05)
                before_first_text = before_first_text or time.perf_counter() - started
                metrics.tokens_used("m", prompt=100, completion=10)
                model_round.set(model="m", prompt_tokens=100, completion_tokens=10, time_to_first_token_ms=50)
                for _ in range(tools):
                    with model_round.child("db.tools_started"):
                        pass
                    with model_round.child("tool.call", tool="t") as call:
                        metrics.tool_called("t", 0.01, ok=True)
                        call.set(duration_ms=10, status="ok")
                        with call.child("db.tool_finished"):
                            pass
        with answer.child("db.complete"):
            pass
        answer.set(status="complete", duration_ms=1000)
    metrics.answer_finished("complete", 1.0)
    return before_first_text


def instrumentation_us(on: bool, receiver_url: str) -> tuple[float, float, float]:
    """Microseconds per answer of its instrumentation before its first text and in all, and of CPU for exporting
    its spans (REPEATS answers, few enough for the exporter's queue, then sent)."""
    observe(on, receiver_url)
    started = time.perf_counter()
    before_first_text = sum(one_answers_instrumentation() for _ in range(REPEATS))
    elapsed = time.perf_counter() - started
    cpu = time.process_time()
    observe(False, receiver_url)
    export = time.process_time() - cpu
    return before_first_text / REPEATS * 1e6, elapsed / REPEATS * 1e6, export / REPEATS * 1e6


def report(runs: dict[bool, Answers]) -> None:
    """Medians, off against on."""
    delay = f"model's own first token: {FIRST_TOKEN_DELAY * 1000:.0f} ms"
    print(f"medians of {RUNS} answers each, observability off and on in turn ({delay}):")
    for label, values, target in (
        ("time to first text", "first_text", "  (target < 1 ms)"),
        ("CPU of the whole answer", "cpu", ""),
    ):
        off, on = (getattr(runs[state], values) for state in (False, True))
        paired = statistics.median(b - a for a, b in zip(off, on, strict=True))  # each answer and the next one
        print(f"  {label}:")
        print(f"    metrics and tracing off   {statistics.median(off):7.2f} ms")
        print(f"    metrics and tracing on    {statistics.median(on):7.2f} ms")
        print(f"    difference                {statistics.median(on) - statistics.median(off):7.2f} ms{target}")
        print(f"    of answers side by side   {paired:7.2f} ms  (median of the differences within each pair)")


def main() -> None:
    try:
        with start_offline_server(Settings()) as mcp:
            asyncio.run(with_database(mcp.url, measure))
    finally:
        shutil.rmtree(os.environ["PROMETHEUS_MULTIPROC_DIR"], ignore_errors=True)


if __name__ == "__main__":
    main()
