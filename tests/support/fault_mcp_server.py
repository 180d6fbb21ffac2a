"""A small real MCP server with misbehaving tools, run as a child process for the client's fault tests.

    python -m tests.support.fault_mcp_server --port PORT [--transport http|sse]

Tools: `echo(text)`, `sleep(seconds)`, `fail()` (an error result), `data360_garbage()` (not JSON, where JSON is due) and
`crash()` (the process exits), `data360_get_viz_spec(chart)` (a URL to a spec stored at `GET /charts/{chart}`:
`line`, or `huge` and `slow` that a client must refuse), and tools answering content that is not text: `picture()` (an
image and its caption), `sound()` (audio), `linked()` (a resource link), `embedded()` (a text and a binary resource).
`noisy()` sends a log message before it answers. `GET /stats` tells how many sessions were opened (initialize
requests) and the `clientInfo` each one gave.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import httpx
import uvicorn
from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import (
    AudioContent,
    BlobResourceContents,
    ContentBlock,
    EmbeddedResource,
    ImageContent,
    ResourceLink,
    TextContent,
    TextResourceContents,
)
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from data360_chat.settings import PROJECT_ROOT
from tests.support.net import free_port

STATS: dict = {"sessions": 0, "clients": []}
PNG = base64.b64encode(bytes.fromhex("89504e470d0a1a0a") + b"\x00" * 120).decode()  # 128 bytes, PNG signature
CSV = "country,value\nKEN,1.5\n"
BASE = {"url": ""}
LINE_SPEC = {
    "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
    "mark": "line",
    "data": {"values": [{"year": 2020, "value": 1.5}, {"year": 2021, "value": 2.5}]},
    "encoding": {"x": {"field": "year", "type": "ordinal"}, "y": {"field": "value", "type": "quantitative"}},
}


def build() -> MCPServer:
    """The server and its tools."""
    server = MCPServer("faults", log_level="WARNING")

    @server.tool()
    def echo(text: str) -> str:
        """Return the text."""
        return text

    @server.tool()
    async def sleep(seconds: float) -> str:
        """Wait, then answer."""
        await asyncio.sleep(seconds)
        return f"slept {seconds}"

    @server.tool()
    def fail() -> str:
        """Always fails."""
        raise ToolError("the fault tool failed on purpose")

    @server.tool(name="data360_garbage")
    def garbage() -> str:
        """Named like a Data360 tool (whose results are JSON), but answers text that is not JSON."""
        return '{"data": [1, 2,, \x00 not json'

    @server.tool(name="data360_get_viz_spec")
    def viz_spec(chart: str) -> dict:
        """Like the public server: the URL where the chart's spec is stored."""
        return {"url": f"{BASE['url']}/charts/{chart}", "error": None}

    @server.tool()
    def picture() -> list[ContentBlock]:
        """A chart as an image, with its caption."""
        return [TextContent(text="GDP of Kenya"), ImageContent(data=PNG, mime_type="image/png")]

    @server.tool()
    def sound() -> list[ContentBlock]:
        """A recording."""
        return [AudioContent(data=base64.b64encode(b"RIFF" + b"\x00" * 40).decode(), mime_type="audio/wav")]

    @server.tool()
    def linked() -> list[ContentBlock]:
        """A file kept elsewhere."""
        link = ResourceLink(
            name="kenya.csv", uri=f"{BASE['url']}/files/kenya.csv", mime_type="text/csv", description="Rows", size=5120
        )
        return [TextContent(text="The rows are in a file."), link]

    @server.tool()
    def embedded() -> list[ContentBlock]:
        """A text resource and a binary one, sent inside the result."""
        text = TextResourceContents(uri="data360://kenya.csv", mime_type="text/csv", text=CSV)
        blob = BlobResourceContents(uri="data360://kenya.png", mime_type="image/png", blob=PNG)
        return [EmbeddedResource(resource=text), EmbeddedResource(resource=blob)]

    @server.tool()
    async def noisy(ctx: Context) -> str:
        """Log a warning to the client, then answer."""
        await ctx.warning("the disk is almost full")
        return "done"

    @server.tool()
    def crash() -> str:
        """End the server process at once."""
        os._exit(3)

    return server


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--transport", choices=("http", "sse"), default="http")
    args = parser.parse_args()
    server = build()
    app = server.sse_app() if args.transport == "sse" else server.streamable_http_app()

    async def stats(_: Request) -> JSONResponse:
        return JSONResponse(STATS)

    async def chart(request: Request) -> Response:
        name = request.path_params["name"]
        if name == "slow":
            await asyncio.sleep(30)
        if name == "huge":
            return Response(b'{"padding": "' + b"x" * 5_000_000 + b'"}', media_type="application/json")
        return JSONResponse(LINE_SPEC) if name == "line" else JSONResponse({"error": "no such chart"}, 404)

    BASE["url"] = f"http://127.0.0.1:{args.port}"
    app.add_route("/stats", stats)
    app.add_route("/charts/{name}", chart)

    async def counting(scope, receive, send):
        if scope["type"] == "http" and scope["method"] == "POST":
            messages = []

            async def replay():
                return messages.pop(0) if messages else await receive()

            message = await receive()
            messages.append(message)
            if b'"method":"initialize"' in message.get("body", b"").replace(b" ", b""):
                STATS["sessions"] += 1
                STATS["clients"].append(json.loads(message["body"])["params"]["clientInfo"])
            return await app(scope, replay, send)
        return await app(scope, receive, send)

    uvicorn.run(counting, host="127.0.0.1", port=args.port, log_level="warning")


@dataclass
class FaultServer:
    """A running fault server."""

    port: int
    transport: str
    process: subprocess.Popen

    @property
    def url(self) -> str:
        """The MCP endpoint."""
        return f"http://127.0.0.1:{self.port}/" + ("sse" if self.transport == "sse" else "mcp")

    def stats(self) -> dict:
        """Sessions opened so far (`sessions`) and the `clientInfo` of each (`clients`)."""
        return httpx.get(f"http://127.0.0.1:{self.port}/stats", timeout=5).json()

    def sessions(self) -> int:
        """Sessions opened so far."""
        return self.stats()["sessions"]

    def start(self) -> None:
        """Start (or restart) the process on the same port and wait until it answers."""
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.support.fault_mcp_server",
                "--port",
                str(self.port),
                "--transport",
                self.transport,
            ],
            cwd=PROJECT_ROOT,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                self.sessions()
                return
            except httpx.HTTPError:
                time.sleep(0.05)
        raise RuntimeError("the fault MCP server did not start")

    def kill(self) -> None:
        """Stop the process at once."""
        self.process.kill()
        self.process.wait()


@contextmanager
def fault_server(transport: str = "http") -> Iterator[FaultServer]:
    """A fault server for the duration of the block."""
    server = FaultServer(free_port(), transport, None)  # type: ignore[arg-type]
    server.start()
    try:
        yield server
    finally:
        server.kill()


if __name__ == "__main__":
    main()
