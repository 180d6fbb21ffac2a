"""A started MCP hub on the offline server (core bundle) for the offline server's tests."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from data360_chat.mcp_client import McpHub
from data360_chat.settings import Settings


@pytest.fixture
async def hub(offline_mcp_url: str) -> AsyncIterator[McpHub]:
    """A hub connected to the offline server."""
    hub = McpHub(Settings(data360_mcp_url=offline_mcp_url, extra_mcp_servers=""))
    await hub.start()
    yield hub
    await hub.close()
