"""A started MCP hub on the offline server (core bundle) for the offline server's tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest

from data360_chat.mcp_client import McpHub
from data360_chat.settings import Settings


@asynccontextmanager
async def connected_hub(url: str) -> AsyncIterator[McpHub]:
    """A hub connected to the MCP server at `url` only."""
    hub = McpHub(Settings(data360_mcp_url=url, extra_mcp_servers=""))
    await hub.start()
    try:
        yield hub
    finally:
        await hub.close()


@pytest.fixture
async def hub(offline_mcp_url: str) -> AsyncIterator[McpHub]:
    """A hub connected to the offline server."""
    async with connected_hub(offline_mcp_url) as started:
        yield started
