"""The offline server over stdio, and its DNS-rebinding protection behind a proxy."""

from __future__ import annotations

import sys
from pathlib import Path

import httpx
import pytest
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client

from data360_chat.offline_mcp.process import OfflineServerError, start_offline_server
from data360_chat.settings import PROJECT_ROOT, get_settings
from tests.support.data360_tools import DATA360_TOOLS

INITIALIZE = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}},
}
HEADERS = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}


async def test_stdio_serves_the_same_tools() -> None:
    parameters = StdioServerParameters(
        command=sys.executable, args=["-m", "data360_chat.offline_mcp", "--stdio"], cwd=str(PROJECT_ROOT)
    )
    async with stdio_client(parameters) as (read, write), ClientSession(read, write) as session:
        await session.initialize()
        names = {tool.name for tool in (await session.list_tools()).tools}
        assert names == DATA360_TOOLS


def _status_for_host(url: str, host: str) -> int:
    return httpx.post(url, json=INITIALIZE, headers={**HEADERS, "Host": host}, timeout=10).status_code


def test_unknown_hosts_are_refused_unless_allowed(monkeypatch: pytest.MonkeyPatch) -> None:
    with start_offline_server(get_settings()) as server:
        assert _status_for_host(server.url, "proxy.example:8080") == 421
        assert _status_for_host(server.url, "localhost:8080") == 200
    monkeypatch.setenv("MCP_ALLOWED_HOSTS", "proxy.example")
    with start_offline_server(get_settings()) as server:
        assert _status_for_host(server.url, "proxy.example:8080") == 200


def test_a_server_that_cannot_start_is_reported_and_leaves_nothing_running(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    with (
        pytest.raises(OfflineServerError, match="exited at start"),
        start_offline_server(get_settings(), data=tmp_path),
    ):
        pass
    assert f"The data bundle {tmp_path} has no indicators.json" in capfd.readouterr().err


def test_the_server_stops_when_the_block_ends() -> None:
    with start_offline_server(get_settings()) as server:
        assert server.url.endswith("/mcp") and server.process.poll() is None
    assert server.process.poll() is not None
