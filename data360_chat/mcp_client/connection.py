"""One MCP server connection, owned by one task and shared by every caller.

The SDK requires a transport and its session to be entered and left in the same task, while Reflex runs
handlers in many tasks. So one owner task opens the transport and session and keeps them open; callers use the
session from their own tasks and, when a call finds the connection broken, ask the owner to reconnect.

Every stage of connecting (opening the transport, which for SSE waits for the server's first event; initialize;
the tool list) is bounded by the connect timeout together, and a failure keeps its reason, naming the stage a
silent server was stuck at. After an attempt that ran out of time, callers do not wait for the next one: they
get that reason at once while the owner tries again in the background.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Any, Literal

from mcp import ClientSession
from mcp.client.sse import sse_client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.exceptions import MCPError
from mcp.types import INVALID_PARAMS, Implementation, LoggingMessageNotificationParams, Tool

from data360_chat import APP_NAME, __version__
from data360_chat.mcp_client.results import ToolResult, parse_result
from data360_chat.mcp_client.specs import VIZ_SPEC_TOOL, SpecUnavailable, load_spec

CONNECT_TIMEOUT = 10.0
CLOSE_TIMEOUT = 5.0
CLIENT_INFO = Implementation(name=APP_NAME, version=__version__)
SERVER_LOG_LEVELS = {"debug": logging.DEBUG, "info": logging.INFO, "notice": logging.INFO, "warning": logging.WARNING}
logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ServerConfig:
    """Where an MCP server is and how to talk to it."""

    name: str
    url: str
    transport: Literal["http", "sse"] = "http"


def innermost(exc: BaseException) -> BaseException:
    """The first exception inside (nested) exception groups, as the transports' task groups wrap them."""
    while isinstance(exc, BaseExceptionGroup) and exc.exceptions:
        exc = exc.exceptions[0]
    return exc


def describe(exc: BaseException) -> str:
    """A one-line reason for a connection failure (the innermost cause of an exception group)."""
    exc = innermost(exc)
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
        self._stage = ""  # what the owner is waiting for while it connects
        self._timed_out = False  # the last attempt ran out of time: callers get its reason without waiting

    @property
    def connected(self) -> bool:
        """Whether a session is open now."""
        return self._session is not None

    def _transport(self) -> AbstractAsyncContextManager[Any]:
        if self.config.transport == "sse":
            return sse_client(self.config.url, timeout=self._connect_timeout)
        return streamable_http_client(self.config.url)

    async def _log(self, params: LoggingMessageNotificationParams) -> None:
        """A log message the server sent (MCP logging), into the app's log under the server's name."""
        level = SERVER_LOG_LEVELS.get(params.level, logging.ERROR)
        logger.log(level, "MCP server %s (%s): %s", self.config.name, params.logger or "-", params.data)

    async def _open(self, stack: contextlib.AsyncExitStack) -> ClientSession:
        """Transport, session, initialize and tool list, all within the connect timeout."""
        async with asyncio.timeout(self._connect_timeout):
            self._stage = "opening the SSE stream" if self.config.transport == "sse" else "opening the connection"
            read, write = (await stack.enter_async_context(self._transport()))[:2]
            session = ClientSession(read, write, client_info=CLIENT_INFO, logging_callback=self._log)
            await stack.enter_async_context(session)
            self._stage = "waiting for the answer to initialize"
            await session.initialize()
            self._stage = "waiting for the list of tools"
            self.tools = list((await session.list_tools()).tools)
        return session

    def _unreachable(self, reason: str) -> str:
        return f"Cannot reach MCP server {self.config.name} at {self.config.url}: {reason}"

    async def _own(self) -> None:
        """The owner task: open a session when asked, keep it until dropped or closed."""
        while not self._closed:
            await self._wanted.wait()
            self._wanted.clear()
            if self._closed:
                break
            established = False
            try:
                async with contextlib.AsyncExitStack() as stack:
                    session = await self._open(stack)
                    self._session, self.error, self._timed_out, established = session, None, False, True
                    self.connects += 1
                    self._settle()
                    await self._drop.wait()
            except Exception as exc:  # any transport failure means "unavailable", with its reason
                self._timed_out = isinstance(innermost(exc), TimeoutError) and not established
                if established:
                    self.error = f"Lost the connection to MCP server {self.config.name}: {describe(exc)}"
                elif self._timed_out:
                    self.error = self._unreachable(f"no answer within {self._connect_timeout:g} s ({self._stage})")
                else:
                    self.error = self._unreachable(describe(exc))
            finally:
                self._session, self._stage = None, ""
                self._drop.clear()
                if not established:
                    self._settle()

    def _settle(self) -> None:
        for waiter in self._waiters:
            if not waiter.done():
                waiter.set_result(None)
        self._waiters.clear()

    async def connect(self, timeout: float | None = None) -> bool:  # noqa: ASYNC109  (bounded wait for the owner)
        """Make sure a session is open, waiting at most `timeout` seconds (the owner's own bound, the connect
        timeout, by default); whether one is. After an attempt that ran out of time, another is started in the
        background and this returns at once: `error` says why there is no session."""
        if self._session is not None:
            return True
        if self._closed:
            return False
        if self._owner is None or self._owner.done():
            self._owner = asyncio.create_task(self._own(), name=f"mcp-{self.config.name}")
        self._wanted.set()
        if self._timed_out:
            return False
        waiter = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        limit = timeout if timeout is not None else self._connect_timeout + 1  # the owner settles first
        try:
            async with asyncio.timeout(limit):
                await asyncio.shield(waiter)
        except TimeoutError:
            if self._session is None and self._stage:
                self.error = self._unreachable(f"no answer within {round(limit, 1):g} s so far ({self._stage})")
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
