"""The app's MCP client: sessions reused per server, tools for the model, failures as structured results."""

from data360_chat.mcp_client.connection import ServerConfig, ServerConnection
from data360_chat.mcp_client.hub import McpHub, ServerStatus, close_hub, get_hub
from data360_chat.mcp_client.results import Observation, ToolResult

__all__ = [
    "McpHub",
    "Observation",
    "ServerConfig",
    "ServerConnection",
    "ServerStatus",
    "ToolResult",
    "close_hub",
    "get_hub",
]
