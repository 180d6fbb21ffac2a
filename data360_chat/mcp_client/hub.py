"""The app's MCP hub: the Data360 server and any extra servers, their tools as OpenAI schemas, and tool calls."""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass
from typing import Any

from data360_chat.mcp_client.cache import ResultCache, result_cache_for
from data360_chat.mcp_client.connection import ServerConfig, ServerConnection
from data360_chat.mcp_client.results import ToolResult
from data360_chat.observability.metrics import UNKNOWN_TOOL, tool_called
from data360_chat.settings import Settings, get_settings

DATA360 = "data360"


@dataclass(frozen=True)
class ServerStatus:
    """How a server is doing, for the UI and logs."""

    name: str
    url: str
    connected: bool
    tools: int
    error: str | None


def server_configs(settings: Settings) -> list[ServerConfig]:
    """The Data360 server plus the extra servers of `EXTRA_MCP_SERVERS` (invalid entries raise `ValueError`)."""
    configs = [ServerConfig(DATA360, settings.data360_mcp_url or "")] if settings.data360_mcp_url else []
    raw = settings.extra_mcp_servers.strip()
    entries = json.loads(raw) if raw else []
    if not isinstance(entries, list):
        raise ValueError("EXTRA_MCP_SERVERS must be a JSON list of {name, url, transport} objects.")
    for entry in entries:
        if not isinstance(entry, dict) or not entry.get("name") or not entry.get("url"):
            raise ValueError(f"EXTRA_MCP_SERVERS entry needs a name and a url: {entry!r}")
        transport = entry.get("transport", "http")
        if transport not in ("http", "sse"):
            raise ValueError(f"EXTRA_MCP_SERVERS transport must be http or sse, not {transport!r}")
        configs.append(ServerConfig(str(entry["name"]), str(entry["url"]), transport))
    return configs


class McpHub:
    """Every configured MCP server behind one `call(tool, arguments)`; failures come back as results."""

    def __init__(self, settings: Settings | None = None, *, cache: ResultCache | None = None) -> None:
        """`cache`: where results of read-only tools are reused (none by default; the app's hub has one)."""
        self.settings = settings or get_settings()
        self.cache = cache
        self.connections = [
            ServerConnection(config, max_chars=self.settings.tool_result_max_chars)
            for config in server_configs(self.settings)
        ]
        self._routes: dict[str, tuple[ServerConnection, str]] = {}

    async def start(self) -> None:
        """Connect to every server at once; a server that is down is reported in `status()`, never raised."""
        await asyncio.gather(*(connection.connect() for connection in self.connections))

    async def close(self) -> None:
        """Close every session (and the cache's connections)."""
        await asyncio.gather(*(connection.close() for connection in self.connections))
        if self.cache is not None:
            await self.cache.close()

    def status(self) -> list[ServerStatus]:
        """Each server's state."""
        return [ServerStatus(c.config.name, c.config.url, c.connected, len(c.tools), c.error) for c in self.connections]

    def _route_table(self) -> dict[str, tuple[ServerConnection, str]]:
        """Exposed tool name → (connection, the server's own name); extra servers' clashing names get a prefix."""
        routes: dict[str, tuple[ServerConnection, str]] = {}
        for connection in self.connections:
            for tool in connection.tools:
                exposed = tool.name if tool.name not in routes else f"{connection.config.name}__{tool.name}"
                routes[exposed] = (connection, tool.name)
        self._routes = routes
        return routes

    def openai_tools(self) -> list[dict[str, Any]]:
        """Every known tool as an OpenAI function schema."""
        schemas = []
        for exposed, (connection, name) in self._route_table().items():
            tool = next(t for t in connection.tools if t.name == name)
            parameters = dict(tool.input_schema or {"type": "object", "properties": {}})
            parameters.setdefault("type", "object")
            parameters.setdefault("properties", {})
            description = (tool.description or tool.title or name).strip()
            schemas.append(
                {
                    "type": "function",
                    "function": {"name": exposed, "description": description, "parameters": parameters},
                }
            )
        return schemas

    async def call(
        self,
        name: str,
        arguments: dict[str, Any],
        *,
        timeout: float | None = None,  # noqa: ASYNC109  (the call's one deadline, enforced by the connection)
    ) -> ToolResult:
        """Run a tool by its exposed name within `timeout` (default `TOOL_TIMEOUT`), reconnecting and connecting
        included; an unknown or unavailable tool, like any failure, comes back as a failed result. Each call counts
        in the metrics under its tool's name (a name no server has, as `unknown`)."""
        limit = timeout if timeout is not None else self.settings.tool_timeout
        started = time.monotonic()
        try:
            result = await self._call(name, arguments, limit, started + limit)
        except Exception as exc:  # a failure is a result the assistant can reason about, never an exception
            result = ToolResult.failure("", name, f"The tool call failed: {type(exc).__name__}: {exc}", _ms(started))
        tool_called(name if name in self._routes else UNKNOWN_TOOL, time.monotonic() - started, ok=result.ok)
        return result

    async def _call(self, name: str, arguments: dict[str, Any], limit: float, deadline: float) -> ToolResult:
        route = self._routes.get(name) or self._route_table().get(name)
        if route is None:
            await self._reconnect_missing(deadline - time.monotonic())
            route = self._route_table().get(name)
        if route is None:
            down = [
                c.error or f"MCP server {c.config.name} has not answered yet."
                for c in self.connections
                if not c.connected
            ]
            if down:
                return ToolResult.failure("", name, f"The tool {name} is unavailable right now. {' '.join(down)}")
            known = ", ".join(sorted(self._routes)) or "none right now"
            return ToolResult.failure("", name, f"There is no tool named “{name}”. Available tools: {known}.")
        connection, tool = route
        if self.cache is None:
            return await connection.call(tool, arguments, limit, deadline=deadline)
        return await self.cache.through(
            connection.config.name, tool, arguments, lambda: connection.call(tool, arguments, limit, deadline=deadline)
        )

    async def _reconnect_missing(self, timeout: float) -> None:  # noqa: ASYNC109  (bounded by the call's deadline)
        await asyncio.gather(*(c.connect(max(timeout, 0)) for c in self.connections if not c.connected))


def _ms(started: float) -> int:
    return round((time.monotonic() - started) * 1000)


_hub: McpHub | None = None
_hub_lock: asyncio.Lock | None = None


async def get_hub(settings: Settings | None = None) -> McpHub:
    """The process-wide hub, started on first use, with the tool result cache the settings ask for."""
    global _hub, _hub_lock
    if _hub_lock is None:
        _hub_lock = asyncio.Lock()
    async with _hub_lock:
        if _hub is None:
            settings = settings or get_settings()
            hub = McpHub(settings, cache=result_cache_for(settings))
            await hub.start()
            _hub = hub
    return _hub


async def close_hub() -> None:
    """Close the process-wide hub (if started) and forget it, so the next `get_hub` starts a new one."""
    global _hub
    if _hub_lock is None:
        return
    async with _hub_lock:
        if _hub is not None:
            await _hub.close()
            _hub = None
