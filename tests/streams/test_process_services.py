"""The app process's services end with it: the shared MCP hub is closed at shutdown."""

from __future__ import annotations

from data360_chat.mcp_client import get_hub
from data360_chat.mcp_client.hub import close_hub
from data360_chat.settings import Settings
from data360_chat.streams.runner import process_services


async def test_the_shared_hub_closes_when_the_process_ends(offline_mcp_url: str) -> None:
    async with process_services():
        hub = await get_hub(Settings(data360_mcp_url=offline_mcp_url, extra_mcp_servers=""))
        assert hub.status()[0].connected
    assert not hub.status()[0].connected
    fresh = await get_hub(Settings(data360_mcp_url=offline_mcp_url, extra_mcp_servers=""))
    assert fresh is not hub and fresh.status()[0].connected
    await close_hub()
