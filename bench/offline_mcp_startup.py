"""Start time and memory of the offline Data360 MCP server with the core bundle and with the full WDI bundle.

    PYTHONPATH=. .venv/bin/python bench/offline_mcp_startup.py [FULL_BUNDLE_FOLDER]

Start time runs from launching the process to the first successful `data360_get_data` call over HTTP; memory is
the server's resident set size after that call, and its peak while loading. Targets for the full bundle: under 10 s
and 1.5 GB.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import time
from pathlib import Path

from data360_chat.mcp_client import McpHub
from data360_chat.offline_mcp.process import start_offline_server
from data360_chat.settings import BUNDLED_DATA, Settings, get_settings

RUNS = 3
FULL_BUNDLE = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("/work/shared/data/wdi")
CALL = {
    "database_id": "WB_WDI",
    "indicator_id": "WB_WDI_SP_POP_TOTL",
    "disaggregation_filters": {"REF_AREA": "KEN"},
}


def memory_mb(pid: int, field: str) -> float:
    """A memory figure of a process from /proc (`VmRSS`: resident now, `VmHWM`: peak resident), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def first_call(url: str) -> None:
    hub = McpHub(Settings(data360_mcp_url=url, extra_mcp_servers=""))
    await hub.start()
    try:
        result = await hub.call("data360_get_data", CALL)
        assert result.ok and result.observations, result.error
    finally:
        await hub.close()


def measure(bundle: Path) -> tuple[float, float, float]:
    started = time.perf_counter()
    with start_offline_server(get_settings(), data=bundle, timeout=120) as server:
        asyncio.run(first_call(server.url))
        seconds = time.perf_counter() - started
        return seconds, memory_mb(server.process.pid, "VmRSS"), memory_mb(server.process.pid, "VmHWM")


def main() -> None:
    for label, bundle in (("core (35 indicators)", BUNDLED_DATA), ("full (325 indicators)", FULL_BUNDLE)):
        if not bundle.is_dir():
            print(f"{label}: {bundle} not found, skipped")
            continue
        results = [measure(bundle) for _ in range(RUNS)]
        seconds = statistics.median(r[0] for r in results)
        memory = statistics.median(r[1] for r in results)
        peak = max(r[2] for r in results)
        print(
            f"{label:24s} start to first answer {seconds:5.2f} s (median of {RUNS})   "
            f"RSS {memory:7.1f} MB   peak RSS {peak:7.1f} MB"
        )


if __name__ == "__main__":
    main()
