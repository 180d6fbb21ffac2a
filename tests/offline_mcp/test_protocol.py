"""The offline server's protocol details, over the MCP SDK's own client: its name and version, MCP logging at the
level a client asks for, and JSON-RPC's invalid-params code for an unknown prompt."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from mcp import ClientSession
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.exceptions import MCPError
from mcp.types import INVALID_PARAMS, LoggingMessageNotificationParams

from data360_chat import __version__

UNKNOWN = {"database_id": "WB_WDI", "indicator_id": "WB_WDI_NOT_REAL"}
KNOWN = {"database_id": "WB_WDI", "indicator_id": "WB_WDI_SP_POP_TOTL"}


@asynccontextmanager
async def logged_session(url: str, received: list[LoggingMessageNotificationParams]) -> AsyncIterator[ClientSession]:
    async def keep(params: LoggingMessageNotificationParams) -> None:
        received.append(params)

    async with (
        streamable_http_client(url) as (read, write),
        ClientSession(read, write, logging_callback=keep) as session,
    ):
        yield session


async def test_the_server_names_itself_with_the_apps_version_and_offers_logging(offline_mcp_url: str) -> None:
    async with logged_session(offline_mcp_url, []) as session:
        started = await session.initialize()
    assert (started.server_info.name, started.server_info.version) == ("data360-offline", __version__)
    assert started.capabilities.logging is not None


async def test_an_unknown_prompt_is_refused_as_invalid_params(offline_mcp_url: str) -> None:
    async with logged_session(offline_mcp_url, []) as session:
        await session.initialize()
        with pytest.raises(MCPError) as refused:
            await session.get_prompt("no_such_prompt", {})
    assert refused.value.code == INVALID_PARAMS and "no_such_prompt" in str(refused.value)


@pytest.mark.filterwarnings("ignore:The logging capability is deprecated")  # in protocol 2026-07-28, not ours
async def test_log_messages_come_at_the_level_the_client_asked_for(offline_mcp_url: str) -> None:
    received: list[LoggingMessageNotificationParams] = []
    async with logged_session(offline_mcp_url, received) as session:
        await session.initialize()
        await session.call_tool("data360_get_data", UNKNOWN)
        assert received == []  # none until asked for

        await session.set_logging_level("debug")
        await session.call_tool("data360_get_data", UNKNOWN)
        await session.call_tool("data360_get_metadata", KNOWN)
        assert [(m.level, m.logger) for m in received] == [
            ("warning", "data360-offline"),
            ("debug", "data360-offline"),
            ("debug", "data360-offline"),
        ]
        assert "WB_WDI_NOT_REAL" in received[0].data and received[1].data.startswith("data360_get_data answered in")

        received.clear()
        await session.set_logging_level("warning")
        await session.call_tool("data360_get_metadata", KNOWN)
        await session.call_tool("data360_get_data_api_url", UNKNOWN)  # an error the tool raises is logged too
        assert [m.level for m in received] == ["warning"] and "WB_WDI_NOT_REAL" in received[0].data

        received.clear()
        await session.set_logging_level("error")
        await session.call_tool("data360_get_data", UNKNOWN)
        assert received == []
