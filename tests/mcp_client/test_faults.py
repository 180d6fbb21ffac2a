"""The MCP client against real servers that misbehave: restarts, hangs, errors, garbage, servers that are down."""

from __future__ import annotations

import asyncio
import json
import time

import pytest

from data360_chat.mcp_client import McpHub
from data360_chat.settings import Settings
from tests.support.fault_mcp_server import FaultServer, fault_server
from tests.support.net import free_port


def hub_for(*servers: tuple[str, str, str]) -> McpHub:
    """A hub with the given (name, url, transport) servers and no Data360 server."""
    extra = [{"name": name, "url": url, "transport": transport} for name, url, transport in servers]
    return McpHub(Settings(data360_mcp_url=None, extra_mcp_servers=json.dumps(extra), tool_timeout=5))


async def test_calls_reuse_one_session(faults: FaultServer) -> None:
    hub = hub_for(("faults", faults.url, "http"))
    await hub.start()
    try:
        for index in range(5):
            result = await hub.call("echo", {"text": f"hello {index}"})
            assert result.ok and result.text == f"hello {index}"
        assert faults.sessions() == 1
    finally:
        await hub.close()


@pytest.mark.parametrize("transport", ["http", "sse"])
async def test_a_restarted_server_is_reconnected_on_the_next_call(transport: str) -> None:
    with fault_server(transport) as faults:
        await check_restart(faults)


async def check_restart(faults: FaultServer) -> None:
    hub = hub_for(("faults", faults.url, faults.transport))
    await hub.start()
    try:
        assert (await hub.call("echo", {"text": "before"})).ok
        faults.kill()
        down = await hub.call("echo", {"text": "while down"})
        assert not down.ok and "faults" in down.error
        faults.start()
        after = await hub.call("echo", {"text": "after"})
        assert after.ok, after.error
        assert after.text == "after"
        assert faults.sessions() == 1  # the new process saw one new session
    finally:
        await hub.close()


async def test_a_server_that_dies_mid_call_gives_an_error_then_recovers(faults: FaultServer) -> None:
    hub = hub_for(("faults", faults.url, "http"))
    await hub.start()
    try:
        crashed = await hub.call("crash", {}, timeout=3)
        assert not crashed.ok and crashed.error
        faults.process.wait()
        faults.start()
        assert (await hub.call("echo", {"text": "back"})).ok
    finally:
        await hub.close()


async def test_a_tool_sleeping_past_the_timeout_is_cut_off(faults: FaultServer) -> None:
    hub = hub_for(("faults", faults.url, "http"))
    await hub.start()
    try:
        started = time.monotonic()
        result = await hub.call("sleep", {"seconds": 30}, timeout=0.5)
        assert time.monotonic() - started < 2
        assert not result.ok and "did not answer within 0.5 s" in result.error
        assert (await hub.call("echo", {"text": "still here"})).ok
    finally:
        await hub.close()


async def test_cancelling_a_caller_cancels_its_call(faults: FaultServer) -> None:
    hub = hub_for(("faults", faults.url, "http"))
    await hub.start()
    try:
        task = asyncio.create_task(hub.call("sleep", {"seconds": 30}))
        await asyncio.sleep(0.3)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert (await hub.call("echo", {"text": "next"}, timeout=2)).ok
    finally:
        await hub.close()


async def test_tool_errors_garbage_and_bad_arguments_come_back_as_results(faults: FaultServer) -> None:
    hub = hub_for(("faults", faults.url, "http"))
    await hub.start()
    try:
        failed = await hub.call("fail", {})
        assert not failed.ok and "failed on purpose" in failed.error
        garbage = await hub.call("data360_garbage", {})
        assert not garbage.ok and "malformed" in garbage.error
        wrong_type = await hub.call("sleep", {"seconds": "a while"})
        assert not wrong_type.ok and "seconds" in wrong_type.error
        unknown = await hub.call("no_such_tool", {})
        assert not unknown.ok and "echo" in unknown.error
    finally:
        await hub.close()


async def test_a_server_down_at_start_is_reported_and_used_once_it_is_up() -> None:
    port = free_port()
    server = FaultServer(port, "http", None)  # type: ignore[arg-type]
    hub = hub_for(("faults", server.url, "http"))
    await hub.start()
    try:
        [status] = hub.status()
        assert not status.connected and f"127.0.0.1:{port}" in status.error
        assert hub.openai_tools() == []
        down = await hub.call("echo", {"text": "x"})
        assert not down.ok and "unavailable" in down.error
        server.start()
        up = await hub.call("echo", {"text": "x"})
        assert up.ok, up.error
        assert hub.status()[0].connected
    finally:
        await hub.close()
        if server.process is not None:
            server.kill()


async def test_sse_and_http_servers_side_by_side_with_clashing_names(faults: FaultServer) -> None:
    with fault_server("sse") as sse:
        hub = hub_for(("faults", faults.url, "http"), ("legacy", sse.url, "sse"))
        await hub.start()
        try:
            names = {tool["function"]["name"] for tool in hub.openai_tools()}
            assert {"echo", "legacy__echo", "sleep", "legacy__sleep"} <= names
            assert (await hub.call("legacy__echo", {"text": "over sse"})).text == "over sse"
            assert (await hub.call("echo", {"text": "over http"})).text == "over http"
        finally:
            await hub.close()


async def test_a_chart_spec_stored_at_a_url_is_fetched_within_bounds(faults: FaultServer) -> None:
    hub = hub_for(("faults", faults.url, "http"))
    await hub.start()
    try:
        stored = await hub.call("data360_get_viz_spec", {"chart": "line"})
        assert stored.ok, stored.error
        assert stored.data["url"].endswith("/charts/line")
        assert stored.viz_spec["mark"] == "line" and len(stored.viz_spec["data"]["values"]) == 2
        huge = await hub.call("data360_get_viz_spec", {"chart": "huge"})
        assert not huge.ok and huge.viz_spec is None and "larger than" in huge.error
        missing = await hub.call("data360_get_viz_spec", {"chart": "gone"})
        assert not missing.ok and "404" in missing.error
        started = time.monotonic()
        slow = await hub.call("data360_get_viz_spec", {"chart": "slow"}, timeout=1)
        assert time.monotonic() - started < 2.5
        assert not slow.ok and "did not arrive" in slow.error
    finally:
        await hub.close()


async def test_a_server_that_accepts_but_never_answers_cannot_hang_a_call() -> None:
    held: list[asyncio.StreamWriter] = []

    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)  # read nothing, answer nothing, keep the connection open

    listener = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = listener.sockets[0].getsockname()[1]
    hub = hub_for(("silent", f"http://127.0.0.1:{port}/mcp", "http"))
    try:
        started = time.monotonic()
        result = await hub.call("echo", {"text": "anyone?"}, timeout=1)
        assert time.monotonic() - started < 2.5
        assert not result.ok and "unavailable" in result.error
        assert not hub.status()[0].connected
    finally:
        started = time.monotonic()
        await hub.close()
        assert time.monotonic() - started < 1
        for writer in held:
            writer.close()
        listener.close()
        await listener.wait_closed()
