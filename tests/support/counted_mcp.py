"""The offline Data360 MCP server over HTTP on loopback, run in a thread of the test with the tool calls it receives
counted at its door (the JSON-RPC `tools/call` requests, by tool name).

    with counted_offline_server() as server:
        hub = McpHub(Settings(data360_mcp_url=server.url), cache=...)
        ...
        assert server.calls["data360_get_data"] == 1
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import uvicorn

from data360_chat.offline_mcp.catalogue import load_catalogue
from data360_chat.offline_mcp.server import build_http_app
from data360_chat.offline_mcp.tools import OfflineData360
from data360_chat.settings import BUNDLED_DATA
from tests.support.net import free_port


@dataclass
class CountedServer:
    """Where the server listens, and how many times each tool was called."""

    url: str
    calls: Counter[str] = field(default_factory=Counter)


class CallCounter:
    """ASGI middleware counting `tools/call` requests by tool name before passing them on unchanged."""

    def __init__(self, app: Any, calls: Counter[str]) -> None:
        self.app = app
        self.calls = calls

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        chunks, more = [], True
        while more:
            message = await receive()
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        body = b"".join(chunks)
        with contextlib.suppress(ValueError, AttributeError, KeyError, TypeError):
            request = json.loads(body)
            if request.get("method") == "tools/call":
                self.calls[request["params"]["name"]] += 1
        replayed = False

        async def replay() -> dict:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)


@contextlib.contextmanager
def counted_offline_server() -> Iterator[CountedServer]:
    """The offline server (core bundle) on a free loopback port, in a thread, stopped afterwards."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    counted = CountedServer(f"{base}/mcp")
    app = build_http_app(OfflineData360(load_catalogue(BUNDLED_DATA), base), "127.0.0.1", [])
    server = uvicorn.Server(uvicorn.Config(CallCounter(app, counted.calls), "127.0.0.1", port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the offline MCP server did not start")
        time.sleep(0.02)
    try:
        yield counted
    finally:
        server.should_exit = True
        thread.join(timeout=10)
