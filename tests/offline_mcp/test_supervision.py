"""The offline server is supervised: killed mid-answer, it is started again on the same port and the app's MCP
connection carries on; while it cannot start, restarts back off."""

from __future__ import annotations

import asyncio
import shutil
import signal
import time
from pathlib import Path

import pytest

from data360_chat.mcp_client import McpHub
from data360_chat.offline_mcp import process as supervision
from data360_chat.offline_mcp.process import OfflineServer, start_offline_server
from data360_chat.settings import BUNDLED_DATA, Settings, get_settings
from tests.support.wdi import data360_id, rows

CALL = {
    "database_id": "WB_WDI",
    "indicator_id": data360_id("SP.POP.TOTL"),
    "disaggregation_filters": {"REF_AREA": "KEN,NGA,IND,BRA"},
    "start_year": 1960,
    "end_year": 2020,
    "limit": 100,
}


def wait_for_restart(server: OfflineServer, count: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while server.restarts < count and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.restarts >= count, "the server was not started again"
    assert server.wait_until_serving(max(deadline - time.monotonic(), 0.1))


async def test_a_server_killed_mid_answer_is_started_again_and_later_calls_succeed() -> None:
    with start_offline_server(get_settings()) as server:
        hub = McpHub(Settings(data360_mcp_url=server.url, extra_mcp_servers="", tool_timeout=10))
        await hub.start()
        try:
            first_pid, url = server.process.pid, server.url
            calls = [asyncio.create_task(hub.call("data360_get_data", {**CALL, "offset": n})) for n in range(30)]
            await asyncio.sleep(0.05)  # calls are in flight
            server.process.send_signal(signal.SIGKILL)
            answered = await asyncio.wait_for(asyncio.gather(*calls), timeout=15)
            assert all(result.ok or result.error for result in answered)  # every call came back, none hung
            await asyncio.to_thread(wait_for_restart, server, 1)
            assert server.process.pid != first_pid and server.url == url
            later = await hub.call("data360_get_data", {**CALL, "start_year": 2000, "end_year": 2019})
            assert later.ok, later.error
            expected = rows("SP.POP.TOTL", ("KEN", "NGA", "IND", "BRA"), (2000, 2019))
            assert sorted((o.country_code, o.year, o.value) for o in later.observations) == sorted(
                (r.country_code, r.year, r.value) for r in expected
            )
            assert hub.status()[0].connected and hub.connections[0].connects == 2
        finally:
            await hub.close()


def test_restarts_back_off_while_the_server_cannot_start_and_stop_when_it_can(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(supervision, "FIRST_RESTART_DELAY", 0.2)
    bundle = tmp_path / "bundle"
    shutil.copytree(BUNDLED_DATA, bundle)
    with start_offline_server(get_settings(), data=bundle) as server:
        (bundle / "indicators.json").rename(tmp_path / "indicators.json")  # every new process now exits at start
        server.process.kill()
        started = time.monotonic()
        wait = 0.0
        while server.restarts < 3:
            time.sleep(0.05)
            wait = time.monotonic() - started
            assert wait < 30
        assert wait >= 0.2 + 0.4  # 0.2 s before the first start, 0.4 s before the second (then 0.8 s ...)
        assert not server.wait_until_serving(0.1)
        (tmp_path / "indicators.json").rename(bundle / "indicators.json")
        assert server.wait_until_serving(30)
        answered = server.process.pid
    assert server.process.pid == answered and server.process.poll() is not None  # stopped, and not restarted
