"""The offline server's raw tool results over the MCP SDK's own client: the public Data360 field names."""

from __future__ import annotations

import json
from typing import Any

from mcp import ClientSession
from mcp.client.streamable_http import streamable_http_client

from tests.support.data360_tools import DATA360_TOOLS
from tests.support.wdi import data360_id, rows


async def call(url: str, tool: str, arguments: dict[str, Any]) -> Any:
    """One tool call over a fresh session; the JSON text the tool answered."""
    async with streamable_http_client(url) as (read, write), ClientSession(read, write) as session:
        await session.initialize()
        result = await session.call_tool(tool, arguments)
    assert not result.is_error, result.content
    return json.loads(result.content[0].text)


async def test_the_nine_tools_keep_the_public_argument_names(offline_mcp_url: str) -> None:
    async with streamable_http_client(offline_mcp_url) as (read, write), ClientSession(read, write) as session:
        await session.initialize()
        tools = {tool.name: tool for tool in (await session.list_tools()).tools}
    assert set(tools) == DATA360_TOOLS
    data_arguments = set(tools["data360_get_data"].input_schema["properties"])
    assert data_arguments == {
        "database_id",
        "indicator_id",
        "disaggregation_filters",
        "start_year",
        "end_year",
        "limit",
        "offset",
    }
    assert set(tools["data360_search_indicators"].input_schema["properties"]) == {
        "query",
        "required_country",
        "limit",
        "offset",
    }
    assert '{"REF_AREA": "KEN,TZA"}' in tools["data360_get_data"].description  # how to pass countries


async def test_observation_rows_carry_codes_names_years_values_and_units(offline_mcp_url: str) -> None:
    arguments = {
        "database_id": "WB_WDI",
        "indicator_id": data360_id("EN.ATM.CO2E.PC"),
        "disaggregation_filters": {"REF_AREA": "IND,CHN"},
        "start_year": 2005,
        "end_year": 2015,
    }
    answer = await call(offline_mcp_url, "data360_get_data", arguments)
    expected = rows("EN.ATM.CO2E.PC", ("IND", "CHN"), (2005, 2015))
    assert answer["error"] is None
    assert answer["count"] == answer["total_count"] == len(expected) and answer["has_more"] is False
    assert answer["next_offset"] is None
    assert sorted((r["REF_AREA"], r["REF_AREA_LABEL"], r["TIME_PERIOD"], r["OBS_VALUE"]) for r in answer["data"]) == (
        sorted((r.country_code, r.country_name, str(r.year), r.value) for r in expected)
    )
    first = answer["data"][0]
    assert first["INDICATOR"] == data360_id("EN.ATM.CO2E.PC") and first["DATABASE_ID"] == "WB_WDI"
    assert first["INDICATOR_LABEL"] == expected[0].indicator_name
    assert first["UNIT_MEASURE"] == "metric tons per capita"


async def test_errors_come_back_as_an_error_field_not_a_failure(offline_mcp_url: str) -> None:
    answer = await call(offline_mcp_url, "data360_get_data", {"database_id": "WB_WDI", "indicator_id": "WB_WDI_NOPE"})
    assert answer["data"] is None and "Unknown indicator_id" in answer["error"]
    search = await call(offline_mcp_url, "data360_search_indicators", {"query": "population", "limit": 10**6})
    assert search["count"] == len(search["indicators"]) <= 50
    negative = await call(offline_mcp_url, "data360_search_indicators", {"query": "population", "offset": -1})
    assert "offset must be 0 or more" in negative["error"]
