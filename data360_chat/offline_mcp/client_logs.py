"""MCP logging for the offline server: each client connection's level (`logging/setLevel`), and log messages
sent to it at or above that level (none until it asks), as the public server supports."""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from mcp.server.mcpserver import Context, MCPServer
from mcp.types import EmptyResult, LoggingLevel, SetLevelRequestParams

LEVELS: tuple[LoggingLevel, ...] = ("debug", "info", "notice", "warning", "error", "critical", "alert", "emergency")
KEPT_CONNECTIONS = 1000
LOGGER = "data360-offline"


def connection_key(request: Any) -> str:
    """The connection a request came over: its MCP session id over HTTP, the one connection over stdio."""
    headers = getattr(request, "headers", None)
    return headers.get("mcp-session-id", "") if headers is not None else ""


class ClientLogs:
    """The levels clients asked for, and the sending of log messages to them."""

    def __init__(self, server: MCPServer) -> None:
        self._levels: OrderedDict[str, LoggingLevel] = OrderedDict()
        # MCPServer has no public hook for this request: it is registered on the low-level server it wraps.
        server._lowlevel_server.add_request_handler("logging/setLevel", SetLevelRequestParams, self._set_level)

    async def _set_level(self, ctx: Any, params: SetLevelRequestParams) -> EmptyResult:
        key = connection_key(ctx.request)
        self._levels[key] = params.level
        self._levels.move_to_end(key)
        while len(self._levels) > KEPT_CONNECTIONS:
            self._levels.popitem(last=False)
        return EmptyResult()

    async def send(self, ctx: Context, level: LoggingLevel, message: str) -> None:
        """Send a log message to the client of this request if it asked for this level or a lower one."""
        wanted = self._levels.get(connection_key(ctx.request_context.request))
        if wanted is not None and LEVELS.index(level) >= LEVELS.index(wanted):
            await ctx.log(level, message, logger_name=LOGGER)
