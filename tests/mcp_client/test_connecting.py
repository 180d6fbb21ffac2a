"""Connecting to servers that accept a connection and never answer, over SSE and streamable HTTP: every stage is
bounded by the connect timeout and the reason (the stage it was stuck at) is known at once, to the status and to
every call; the app introduces itself by its own name and version."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import pytest

from data360_chat import APP_NAME, __version__
from data360_chat.mcp_client import McpHub, ServerConfig, ServerConnection
from data360_chat.mcp_client.connection import CONNECT_TIMEOUT as CONNECT_TIMEOUT_DEFAULT
from data360_chat.settings import Settings
from tests.support.fault_mcp_server import FaultServer

CONNECT_TIMEOUT = 1.5


async def _never_answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await reader.read(65536)  # read the request, answer nothing, keep the connection open


async def _headers_then_silence(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await reader.read(65536)  # an SSE stream that opens but never sends its `endpoint` event
    writer.write(b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ncache-control: no-cache\r\n\r\n")
    await writer.drain()


@asynccontextmanager
async def silent_server(handler: Callable) -> AsyncIterator[int]:
    """A loopback TCP server running `handler` on each connection; its port."""
    held: list[asyncio.StreamWriter] = []

    async def keep(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)
        await handler(reader, writer)

    listener = await asyncio.start_server(keep, "127.0.0.1", 0)
    try:
        yield listener.sockets[0].getsockname()[1]
    finally:
        for writer in held:
            writer.close()
        listener.close()
        await listener.wait_closed()


@pytest.mark.parametrize(
    ("transport", "path", "handler", "stage"),
    [
        ("sse", "/sse", _never_answer, "opening the SSE stream"),
        ("sse", "/sse", _headers_then_silence, "opening the SSE stream"),
        ("http", "/mcp", _never_answer, "waiting for the answer to initialize"),
    ],
)
async def test_a_silent_server_is_reported_with_its_stage_within_the_connect_timeout(
    transport: str, path: str, handler: Callable, stage: str
) -> None:
    async with silent_server(handler) as port:
        url = f"http://127.0.0.1:{port}{path}"
        connection = ServerConnection(
            ServerConfig("silent", url, transport), max_chars=10_000, connect_timeout=CONNECT_TIMEOUT
        )
        try:
            started = time.monotonic()
            assert not await connection.connect()
            assert CONNECT_TIMEOUT - 0.1 < time.monotonic() - started < CONNECT_TIMEOUT + 1.5
            assert connection.error == (
                f"Cannot reach MCP server silent at {url}: no answer within {CONNECT_TIMEOUT:g} s ({stage})"
            )
            for _ in range(3):  # later calls say why at once, while the connection is tried again behind them
                started = time.monotonic()
                result = await connection.call("echo", {"text": "anyone?"}, timeout=30)
                assert time.monotonic() - started < 0.5
                assert not result.ok and stage in result.error and url in result.error
        finally:
            started = time.monotonic()
            await connection.close()
            assert time.monotonic() - started < 1


async def test_a_caller_with_less_time_than_the_connect_timeout_hears_how_far_it_got() -> None:
    async with silent_server(_never_answer) as port:
        url = f"http://127.0.0.1:{port}/mcp"
        connection = ServerConnection(ServerConfig("silent", url), max_chars=10_000, connect_timeout=5)
        try:
            started = time.monotonic()
            result = await connection.call("echo", {"text": "x"}, timeout=0.5)
            assert time.monotonic() - started < 1.5
            assert not result.ok
            assert "no answer within 0.5 s so far (waiting for the answer to initialize)" in result.error
        finally:
            await connection.close()


async def test_a_server_that_answers_again_after_silence_is_used(faults: FaultServer) -> None:
    async with silent_server(_never_answer) as port:
        config = ServerConfig("flaky", f"http://127.0.0.1:{port}/mcp")
        connection = ServerConnection(config, max_chars=10_000, connect_timeout=1)
        try:
            assert not await connection.connect()
            connection.config = ServerConfig("flaky", faults.url)  # the address now reaches a server that answers
            deadline = time.monotonic() + 10
            result = await connection.call("echo", {"text": "back"}, timeout=5)
            while not result.ok and time.monotonic() < deadline:  # the retry behind the calls gets through
                await asyncio.sleep(0.2)
                result = await connection.call("echo", {"text": "back"}, timeout=5)
            assert result.ok, result.error
            assert connection.error is None
        finally:
            await connection.close()


async def test_the_app_introduces_itself_by_name_and_version(faults: FaultServer) -> None:
    connection = ServerConnection(ServerConfig("faults", faults.url), max_chars=10_000)
    try:
        assert await connection.connect()
    finally:
        await connection.close()
    assert faults.stats()["clients"] == [{"name": APP_NAME, "version": __version__}]
    assert __version__ and APP_NAME == "data360-chat"


async def test_the_hub_starts_within_the_connect_timeout_and_says_why_a_server_is_missing() -> None:
    async with silent_server(_headers_then_silence) as port:
        url = f"http://127.0.0.1:{port}/sse"
        extra = json.dumps([{"name": "legacy", "url": url, "transport": "sse"}])
        hub = McpHub(Settings(data360_mcp_url=None, extra_mcp_servers=extra, tool_timeout=45))
        try:
            started = time.monotonic()
            await hub.start()
            assert time.monotonic() - started < CONNECT_TIMEOUT_DEFAULT + 1
            [status] = hub.status()
            reason = f"no answer within {CONNECT_TIMEOUT_DEFAULT:g} s (opening the SSE stream)"
            assert not status.connected and status.error.endswith(reason)
            started = time.monotonic()
            result = await hub.call("echo", {"text": "x"})
            assert time.monotonic() - started < 0.5
            assert not result.ok and reason in result.error and url in result.error
        finally:
            await hub.close()
