"""The MCP client against the offline Data360 server on loopback: tool schemas, parsed observations, errors,
one shared session for callers in many tasks, a server restarted mid-session, and the process-wide hub."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from data360_chat.mcp_client import McpHub, close_hub, get_hub
from data360_chat.offline_mcp.process import start_offline_server
from data360_chat.settings import Settings, get_settings
from tests.support.data360_tools import DATA360_TOOLS
from tests.support.net import free_port
from tests.support.wdi import data360_id, rows

COUNTRIES = ("BRA", "IND", "KEN")
YEARS = (2000, 2019)
GDP = "NY.GDP.MKTP.CD"


def data_call(code: str = GDP, countries: str = ",".join(COUNTRIES)) -> dict:
    """`data360_get_data` arguments for one indicator, some countries and the test's 20 years."""
    return {
        "database_id": "WB_WDI",
        "indicator_id": data360_id(code),
        "disaggregation_filters": {"REF_AREA": countries},
        "start_year": YEARS[0],
        "end_year": YEARS[1],
        "limit": 100,
    }


def settings_for(url: str) -> Settings:
    return Settings(data360_mcp_url=url, extra_mcp_servers="", tool_timeout=10)


@pytest.fixture
async def hub(offline_mcp_url: str) -> AsyncIterator[McpHub]:
    started = McpHub(settings_for(offline_mcp_url))
    await started.start()
    yield started
    await started.close()


async def test_tools_keep_their_data360_names_as_openai_functions(hub: McpHub) -> None:
    tools = hub.openai_tools()
    assert {tool["function"]["name"] for tool in tools} == DATA360_TOOLS
    for tool in tools:
        assert tool["type"] == "function" and tool["function"]["description"]
        assert tool["function"]["parameters"]["type"] == "object"
    get_data = next(tool["function"] for tool in tools if tool["function"]["name"] == "data360_get_data")
    assert {"database_id", "indicator_id"} <= set(get_data["parameters"]["properties"])
    [status] = hub.status()
    assert status.connected and status.tools == len(DATA360_TOOLS) and status.error is None


async def test_observations_are_the_data_files_values(hub: McpHub) -> None:
    result = await hub.call("data360_get_data", data_call())
    assert result.ok, result.error
    expected = rows(GDP, COUNTRIES, YEARS)
    assert len(expected) >= 50
    got = sorted(
        (o.indicator_id, o.indicator_name, o.database_id, o.country_code, o.country_name, o.year, o.value)
        for o in result.observations
    )
    assert got == sorted(
        (r.indicator_id, r.indicator_name, r.database_id, r.country_code, r.country_name, r.year, r.value)
        for r in expected
    )
    assert isinstance(result.data, dict) and result.data["count"] == len(expected)
    assert result.server == "data360" and result.tool == "data360_get_data" and result.duration_ms >= 0


async def test_unknown_indicators_countries_and_missing_arguments_are_errors_that_say_why(hub: McpHub) -> None:
    indicator = await hub.call("data360_get_data", {**data_call(), "indicator_id": "WB_WDI_NO_SUCH_THING"})
    assert not indicator.ok and "WB_WDI_NO_SUCH_THING" in indicator.error and indicator.observations == []
    country = await hub.call("data360_get_data", data_call(countries="ATLANTIS"))
    assert not country.ok and "ATLANTIS" in country.error
    missing = await hub.call("data360_get_data", {"database_id": "WB_WDI"})
    assert not missing.ok and "indicator_id" in missing.error
    assert (await hub.call("data360_get_data", data_call())).ok  # the session survived all of that


async def test_callers_in_many_tasks_share_one_session(hub: McpHub) -> None:
    codes = ["SP.POP.TOTL", GDP, "SP.DYN.LE00.IN"] * 8
    results = await asyncio.gather(*(hub.call("data360_get_data", data_call(code)) for code in codes))
    for code, result in zip(codes, results, strict=True):
        assert result.ok, result.error
        assert sorted((o.country_code, o.year, o.value) for o in result.observations) == sorted(
            (r.country_code, r.year, r.value) for r in rows(code, COUNTRIES, YEARS)
        )
    [connection] = hub.connections
    assert connection.connects == 1


async def test_a_restarted_offline_server_is_used_again_on_the_next_call() -> None:
    port = free_port()
    with start_offline_server(get_settings(), port=port) as server:
        hub = McpHub(settings_for(server.url))
        await hub.start()
        assert (await hub.call("data360_get_data", data_call())).ok
    try:
        down = await hub.call("data360_get_data", data_call())
        assert not down.ok and f"127.0.0.1:{port}" in down.error
        assert not hub.status()[0].connected
        with start_offline_server(get_settings(), port=port):
            back = await hub.call("data360_get_data", data_call())
            assert back.ok, back.error
            assert len(back.observations) == len(rows(GDP, COUNTRIES, YEARS))
            assert hub.connections[0].connects == 2
    finally:
        await hub.close()


async def test_the_process_wide_hub_is_started_once_and_closed(offline_mcp_url: str) -> None:
    settings = settings_for(offline_mcp_url)
    try:
        first, second = await asyncio.gather(get_hub(settings), get_hub(settings))
        assert first is second and first.status()[0].connected
        assert (await first.call("data360_get_supported_chart_types", {})).ok
    finally:
        await close_hub()
    assert not first.status()[0].connected
    fresh = await get_hub(settings)
    try:
        assert fresh is not first and fresh.status()[0].connected
    finally:
        await close_hub()
