"""Every failure of the Data360 API behind the public MCP server (down, slow, errors, garbage, another shape) comes
back to the app as a failed result with a readable message, within the tool timeout, and the session survives.

This module runs its own server and API stand-in: the public server keeps a codelist once it has loaded one (even an
empty one, from JSON of another shape), so the stand-in here serves no codelist until the last test."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from data360_chat.mcp_client import McpHub
from data360_chat.mcp_client.results import ERROR_MAX_CHARS
from data360_chat.settings import Settings
from tests.support.partner import Partner, Upstream, data360_partner, data360_upstream
from tests.support.wdi import data360_id

TOOL_TIMEOUT = 3.0
POPULATION = data360_id("SP.POP.TOTL")
CALLS: dict[str, dict[str, Any]] = {
    "data360_search_indicators": {"query": "population", "required_country": "Kenya"},
    "data360_get_metadata": {"database_id": "WB_WDI", "indicator_id": POPULATION},
    "data360_get_data": {
        "database_id": "WB_WDI",
        "indicator_id": POPULATION,
        "disaggregation_filters": {"REF_AREA": "KEN"},
    },
    "data360_get_disaggregation": {"database_id": "WB_WDI", "indicator_id": POPULATION},
    "data360_find_codelist_value": {"codelist_type": "REF_AREA", "query": "Kenya"},
    "data360_list_indicators": {"database_id": "WB_WDI"},
    "data360_get_data_api_url": {"database_id": "WB_WDI", "indicator_id": POPULATION, "country_code": "KEN"},
    "data360_get_viz_spec": {"database_id": "WB_WDI", "indicator_id": POPULATION, "country_code": "KEN"},
}
LISTS = ("data360_list_indicators", "data360_find_codelist_value")
# What each failure is called in the messages the server passes on.
SAYS = {
    "down": "All connection attempts failed",
    "error": "503",
    "garbage": "Expecting value",
    "shape": "",  # each tool words it its own way ("No indicators found", "no attribute", ...)
}


@pytest.fixture(scope="module")
def failing_upstream() -> Iterator[Upstream]:
    with data360_upstream() as running:
        yield running


@pytest.fixture(scope="module")
def lone_partner(failing_upstream: Upstream, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Partner]:
    with data360_partner(failing_upstream, tmp_path_factory.mktemp("partner-failures")) as running:
        yield running


@pytest.fixture(scope="module")
async def hub(lone_partner: Partner) -> AsyncIterator[McpHub]:
    settings = Settings(data360_mcp_url=lone_partner.url, extra_mcp_servers="", tool_timeout=TOOL_TIMEOUT)
    connected = McpHub(settings)
    await connected.start()
    yield connected
    await connected.close()


def readable(message: str) -> bool:
    """No markup, no line breaks, no endless text."""
    return "<" not in message and "\n" not in message and 0 < len(message) <= ERROR_MAX_CHARS


@pytest.mark.parametrize("mode", ["down", "error", "garbage", "shape"])
async def test_a_failing_api_comes_back_as_a_readable_error_at_once(
    hub: McpHub, failing_upstream: Upstream, mode: str
) -> None:
    if mode == "down":
        failing_upstream.stop()
    else:
        failing_upstream.fault(mode)
    try:
        for tool, arguments in CALLS.items():
            started = time.monotonic()
            result = await hub.call(tool, arguments)
            assert time.monotonic() - started < TOOL_TIMEOUT, tool
            if mode == "shape" and tool in LISTS:
                assert result.ok and result.data == []  # JSON of another shape reads as an empty list
                continue
            assert not result.ok, (mode, tool, result.data)
            assert readable(result.error), (mode, tool, result.error)
            assert SAYS[mode] in result.error, (mode, tool, result.error)
            assert result.observations == [] and result.viz_spec is None
    finally:
        if mode == "down":
            failing_upstream.start()
        failing_upstream.fault("garbage")  # not "ok": the server would keep the codelist it loaded


async def test_a_slow_api_is_cut_off_at_the_tool_timeout_and_the_session_carries_on(
    hub: McpHub, failing_upstream: Upstream
) -> None:
    failing_upstream.fault("slow", seconds=TOOL_TIMEOUT * 4)
    try:
        for tool in ("data360_get_data", "data360_search_indicators", "data360_list_indicators"):
            started = time.monotonic()
            result = await hub.call(tool, CALLS[tool])
            elapsed = time.monotonic() - started
            assert TOOL_TIMEOUT - 0.1 < elapsed < TOOL_TIMEOUT + 1, (tool, elapsed)
            assert not result.ok and result.error == f"The tool {tool} did not answer within {TOOL_TIMEOUT:g} s."
        chart_types = await hub.call("data360_get_supported_chart_types", {})  # needs no API: answers at once
        assert chart_types.ok and {kind["id"] for kind in chart_types.data["chart_types"]} >= {"line", "bar"}
    finally:
        failing_upstream.fault("ok")
    data = await hub.call("data360_get_data", CALLS["data360_get_data"])
    assert data.ok, data.error
    assert data.observations and {o.country_code for o in data.observations} == {"KEN"}
    assert hub.connections[0].connects == 1  # one session throughout
