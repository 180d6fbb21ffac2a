"""Latency of `data360_get_data` (one indicator, 3 countries, 20 years) over a reused session vs a new one per call.

    PYTHONPATH=. .venv/bin/python bench/mcp_latency.py

Runs against the offline Data360 MCP server on loopback (started here) or `DATA360_MCP_URL` when set.
"""

from __future__ import annotations

import asyncio
import contextlib
import statistics
import time

from data360_chat.mcp_client import McpHub
from data360_chat.offline_mcp.process import start_offline_server
from data360_chat.settings import Settings, get_settings

CALLS = 100
ARGUMENTS = {
    "database_id": "WB_WDI",
    "indicator_id": "WB_WDI_SP_POP_TOTL",
    "disaggregation_filters": {"REF_AREA": "KEN,NGA,BRA"},
    "start_year": 2000,
    "end_year": 2019,
    "limit": 100,
}


async def timed_call(hub: McpHub) -> float:
    started = time.perf_counter()
    result = await hub.call("data360_get_data", ARGUMENTS)
    assert result.ok and len(result.observations) == 60, result.error
    return (time.perf_counter() - started) * 1000


async def reused(url: str) -> list[float]:
    hub = McpHub(Settings(data360_mcp_url=url, extra_mcp_servers=""))
    await hub.start()
    try:
        await timed_call(hub)  # warm-up
        return [await timed_call(hub) for _ in range(CALLS)]
    finally:
        await hub.close()


async def fresh(url: str) -> list[float]:
    times = []
    for _ in range(CALLS // 2):
        started = time.perf_counter()
        hub = McpHub(Settings(data360_mcp_url=url, extra_mcp_servers=""))
        await hub.start()
        await timed_call(hub)
        times.append((time.perf_counter() - started) * 1000)
        await hub.close()
    return times


def report(label: str, times: list[float]) -> None:
    p95 = statistics.quantiles(times, n=20)[-1]
    print(f"{label:28s} median {statistics.median(times):6.2f} ms   p95 {p95:6.2f} ms   ({len(times)} calls)")


def main() -> None:
    settings = get_settings()
    with contextlib.ExitStack() as stack:
        url = settings.data360_mcp_url or stack.enter_context(start_offline_server(settings)).url
        report("reused session", asyncio.run(reused(url)))
        report("new session per call", asyncio.run(fresh(url)))


if __name__ == "__main__":
    main()
