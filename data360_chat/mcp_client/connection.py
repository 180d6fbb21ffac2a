"""One MCP server connection, owned by one task and shared by every caller.

The SDK requires a transport and its session to be entered and left in the same task, while Reflex runs
handlers in many tasks. So one owner task opens the transport and session and keeps them open; callers use the
session from their own tasks and, when a call finds the connection broken, ask the owner to reconnect.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Any, Literal

from mcp import ClientSession
from mcp.client.sse import sse_client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.exceptions import MCPError
from mcp.types import INVALID_PARAMS, Tool

from data360_chat.mcp_client.results import ToolResult, parse_result
from data360_chat.mcp_client.specs import VIZ_SPEC_TOOL, SpecUnavailable, load_spec

CONNECT_TIMEOUT = 10.0
CLOSE_TIMEOUT = 5.0


@dataclass(frozen=True)
class ServerConfig:
    """Where an MCP server is and how to talk to it."""

    name: str
    url: str
    transport: Literal["http", "sse"] = "http"


def describe(exc: BaseException) -> str:
    """A one-line reason for a connection failure (the innermost cause of an exception group)."""
    while isinstance(exc, BaseExceptionGroup) and exc.exceptions:
        exc = exc.exceptions[0]
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0][:300]


class ServerConnection:
    """A reused session with one server that reconnects by itself when it breaks."""

    def __init__(self, config: ServerConfig, *, max_chars: int, connect_timeout: float = CONNECT_TIMEOUT) -> None:
        self.config = config
        self.tools: list[Tool] = []
        self.error: str | None = None
        self.connects = 0
        self._max_chars = max_chars
        self._connect_timeout = connect_timeout
        self._session: ClientSession | None = None
        self._wanted = asyncio.Event()
        self._drop = asyncio.Event()
        self._waiters: list[asyncio.Future[None]] = []
        self._owner: asyncio.Task[None] | None = None
        self._closed = False

    @property
    def connected(self) -> bool:
        """Whether a session is open now."""
        return self._session is not None

    def _transport(self) -> AbstractAsyncContextManager[Any]:
        if self.config.transport == "sse":
            return sse_client(self.config.url, timeout=self._connect_timeout)
        return streamable_http_client(self.config.url)

    async def _own(self) -> None:
        """The owner task: open a session when asked, keep it until dropped or closed."""
        while not self._closed:
            await self._wanted.wait()
            self._wanted.clear()
            if self._closed:
                break
            established = False
            try:
                async with self._transport() as streams, ClientSession(streams[0], streams[1]) as session:
                    async with asyncio.timeout(self._connect_timeout):
                        await session.initialize()
                        self.tools = list((await session.list_tools()).tools)
                    self._session, self.error, established = session, None, True
                    self.connects += 1
                    self._settle()
                    await self._drop.wait()
            except Exception as exc:  # any transport failure means "unavailable", with its reason
                verb = "Lost the connection to" if established else "Cannot reach"
                self.error = f"{verb} MCP server {self.config.name} at {self.config.url}: {describe(exc)}"
            finally:
                self._session = None
                self._drop.clear()
                if not established:
                    self._settle()

    def _settle(self) -> None:
        for waiter in self._waiters:
            if not waiter.done():
                waiter.set_result(None)
        self._waiters.clear()

    async def connect(self, timeout: float | None = None) -> bool:  # noqa: ASYNC109  (bounded wait for the owner)
        """Make sure a session is open, waiting at most `timeout` seconds; whether one is."""
        if self._session is not None:
            return True
        if self._closed:
            return False
        if self._owner is None or self._owner.done():
            self._owner = asyncio.create_task(self._own(), name=f"mcp-{self.config.name}")
        waiter = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        self._wanted.set()
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout if timeout is not None else self._connect_timeout + 1):
                await asyncio.shield(waiter)
        return self._session is not None

    async def ping(self, timeout: float) -> str | None:  # noqa: ASYNC109  (the check's limit, enforced below)
        """None when the server answers an MCP ping within `timeout` seconds (connecting first if needed); else why
        not. A session that fails the ping is dropped, so the next call reconnects."""
        deadline = time.monotonic() + timeout
        if not await self.connect(timeout):
            return self.error or f"no answer within {timeout:g} s"
        session = self._session
        assert session is not None
        try:
            async with asyncio.timeout(max(deadline - time.monotonic(), 0)):
                await session.send_ping()
        except TimeoutError:
            return f"no answer within {timeout:g} s"
        except Exception as exc:
            self._broken(session)
            return describe(exc)
        return None

    def _broken(self, session: ClientSession) -> None:
        """Stop using a session that failed; the owner tears it down and the next call reconnects."""
        if self._session is session:
            self._session = None
            self._drop.set()

    async def call(
        self,
        name: str,
        arguments: dict[str, Any],
        timeout: float,  # noqa: ASYNC109  (the call's limit, enforced below)
        *,
        deadline: float | None = None,
    ) -> ToolResult:
        """Run a tool within `timeout` seconds (or by the `time.monotonic()` `deadline` of a call that began earlier);
        after a broken connection, reconnect and try once more."""
        started = time.monotonic()
        deadline = deadline if deadline is not None else started + timeout

        def elapsed() -> int:
            return round((time.monotonic() - started) * 1000)

        for attempt in (1, 2):
            if not await self.connect(min(self._connect_timeout, max(deadline - time.monotonic(), 0))):
                reason = self.error or f"no answer within {timeout:g} s"
                return ToolResult.failure(self.config.name, name, f"The tool is unavailable: {reason}", elapsed())
            session = self._session
            assert session is not None
            try:
                async with asyncio.timeout(max(deadline - time.monotonic(), 0)):
                    result = await session.call_tool(name, arguments)
            except TimeoutError:
                return ToolResult.failure(
                    self.config.name, name, f"The tool {name} did not answer within {timeout:g} s.", elapsed()
                )
            except Exception as exc:
                if isinstance(exc, MCPError) and exc.code == INVALID_PARAMS:  # the server refused; the session is fine
                    return ToolResult.failure(self.config.name, name, f"The tool {name} was refused: {exc}", elapsed())
                self._broken(session)
                if attempt == 2 or time.monotonic() >= deadline:
                    return ToolResult.failure(
                        self.config.name, name, f"The MCP server {self.config.name} failed: {describe(exc)}", elapsed()
                    )
                continue
            parsed = parse_result(self.config.name, name, result, elapsed(), self._max_chars)
            if parsed.ok and name == VIZ_SPEC_TOOL:
                try:
                    parsed.viz_spec = await load_spec(parsed.data if parsed.data is not None else parsed.text, deadline)
                except SpecUnavailable as exc:
                    parsed.ok, parsed.error = False, f"The chart spec is unavailable: {exc}"
                parsed.duration_ms = elapsed()
            return parsed
        raise AssertionError("unreachable")

    async def close(self) -> None:
        """End the session and the owner task."""
        self._closed = True
        self._drop.set()
        self._wanted.set()
        owner = self._owner
        if owner is None:
            return
        if self._session is None:  # still connecting (perhaps to a server that never answers): stop at once
            owner.cancel()
        _, pending = await asyncio.wait({owner}, timeout=CLOSE_TIMEOUT)
        if pending:
            owner.cancel()
            await asyncio.wait({owner})
