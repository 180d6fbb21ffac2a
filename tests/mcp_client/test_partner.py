"""The app against the public Data360 MCP server (data360-mcp 0.1.2, run from its own venv on loopback, its
Data360 API the stand-in serving the WDI bundle): tools discovered, their argument schemas passed on and accepted
as the server defines them, the data's values, its chart specs, and whole answers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from data360_chat.assistant.events import AnswerDone, ChartReady, TextDelta, ToolFinished
from data360_chat.assistant.pipeline import answer
from data360_chat.mcp_client import McpHub
from data360_chat.settings import Settings
from tests.support.data360_tools import DATA360_TOOLS
from tests.support.partner import Partner
from tests.support.wdi import data360_id, rows

POPULATION = data360_id("SP.POP.TOTL")
# Each tool with every argument its schema declares (but get_metadata's Python callable), written as a model does.
EVERY_ARGUMENT: dict[str, dict[str, Any]] = {
    "data360_search_indicators": {"query": "population", "required_country": "Kenya, Nigeria", "limit": 3, "offset": 0},
    "data360_get_metadata": {
        "database_id": "WB_WDI",
        "indicator_id": POPULATION,
        "select_fields": ["name", "definition_long", "measurement_unit"],
        "fetch_disaggregation": False,
    },
    "data360_get_data": {
        "database_id": "WB_WDI",
        "indicator_id": POPULATION,
        "disaggregation_filters": {"REF_AREA": "KEN,NGA"},
        "start_year": 2000,
        "end_year": 2009,
        "limit": 100,
        "offset": 0,
    },
    "data360_get_disaggregation": {"database_id": "WB_WDI", "indicator_id": POPULATION},
    "data360_find_codelist_value": {"codelist_type": "REF_AREA", "query": "Kenya, Nigeria", "limit": 2},
    "data360_list_indicators": {"database_id": "WB_WDI"},
    "data360_get_data_api_url": {
        "database_id": "WB_WDI",
        "indicator_id": POPULATION,
        "country_code": "KEN,NGA",
        "start_year": 2000,
        "end_year": 2009,
        "disaggregation_filters": {"REF_AREA": "KEN,NGA"},
    },
    "data360_get_viz_spec": {
        "database_id": "WB_WDI",
        "indicator_id": POPULATION,
        "country_code": "KEN,NGA",
        "start_year": 2000,
        "end_year": 2009,
        "disaggregation_filters": {"REF_AREA": "KEN,NGA"},
        "chart_type": "line chart",
        "relevant_fields": ["time_period", "obs_value", "ref_area"],
        "custom_constraints": [],
        "use_default_constraints": True,
    },
    "data360_get_supported_chart_types": {},
}


@pytest.fixture
async def hub(partner: Partner) -> AsyncIterator[McpHub]:
    connected = McpHub(Settings(data360_mcp_url=partner.url, extra_mcp_servers="", tool_timeout=20))
    await connected.start()
    yield connected
    await connected.close()


async def test_the_tools_are_discovered_and_passed_on_with_the_servers_own_schemas(hub: McpHub) -> None:
    [status] = hub.status()
    assert status.connected and status.error is None and status.tools == len(DATA360_TOOLS)
    functions = {tool["function"]["name"]: tool["function"] for tool in hub.openai_tools()}
    assert set(functions) == DATA360_TOOLS
    for name, function in functions.items():
        Draft202012Validator.check_schema(function["parameters"])  # a valid JSON Schema, as OpenAI requires
        declared = next(t for t in hub.connections[0].tools if t.name == name).input_schema
        assert function["parameters"] == declared  # passed on as the server defines it
        assert len(function["description"]) > 100


@pytest.mark.parametrize("tool", sorted(EVERY_ARGUMENT))
async def test_every_declared_argument_is_accepted(hub: McpHub, tool: str) -> None:
    arguments = EVERY_ARGUMENT[tool]
    declared = next(t for t in hub.connections[0].tools if t.name == tool).input_schema
    Draft202012Validator(declared).validate(arguments)  # what the app sends fits the schema the server publishes
    result = await hub.call(tool, arguments)
    assert result.ok, result.error
    assert result.data is not None or result.text


async def test_arguments_the_schema_refuses_come_back_as_readable_errors(hub: McpHub) -> None:
    wrong_type = await hub.call("data360_get_data", {**EVERY_ARGUMENT["data360_get_data"], "start_year": "lately"})
    assert not wrong_type.ok and "start_year" in wrong_type.error
    unknown = await hub.call("data360_get_data", {**EVERY_ARGUMENT["data360_get_data"], "colour": "red"})
    assert not unknown.ok and "colour" in unknown.error
    assert (await hub.call("data360_get_data", EVERY_ARGUMENT["data360_get_data"])).ok  # the session is fine


async def test_observations_and_matches_are_the_data_files_values(hub: McpHub) -> None:
    result = await hub.call("data360_get_data", EVERY_ARGUMENT["data360_get_data"])
    expected = rows("SP.POP.TOTL", ("KEN", "NGA"), (2000, 2009))
    assert len(expected) == 20
    assert sorted((o.country_code, o.year, o.value, o.indicator_name) for o in result.observations) == sorted(
        (r.country_code, r.year, r.value, r.indicator_name) for r in expected
    )
    assert all(row["claim_id"] for row in result.data["data"])
    codes = await hub.call("data360_find_codelist_value", {"codelist_type": "REF_AREA", "query": "Kenya"})
    assert codes.data == [{"id": "KEN", "name": "Kenya", "score": 100}]  # one match: still a list


async def test_a_chart_spec_is_loaded_from_where_the_server_stores_it(hub: McpHub) -> None:
    result = await hub.call("data360_get_viz_spec", EVERY_ARGUMENT["data360_get_viz_spec"])
    assert result.ok, result.error
    assert result.data["url"].startswith("http://127.0.0.1:") and "/charts/" in result.data["url"]
    values = result.viz_spec["datasets"][result.viz_spec["data"]["name"]]  # Altair's named, inline data
    expected = rows("SP.POP.TOTL", ("KEN", "NGA"), (2000, 2009))
    assert sorted((v["country"], v["value"]) for v in values) == sorted((r.country_name, r.value) for r in expected)


async def test_the_built_in_model_answers_through_the_real_server(hub: McpHub) -> None:
    settings = Settings(llm_model="offline", offline_model_speed=10_000, data360_mcp_url=None, extra_mcp_servers="")
    events = [
        e
        async for e in answer(
            None, None, "Plot population of Kenya since 2000", hub=hub, database=None, settings=settings
        )
    ]
    done = events[-1]
    assert isinstance(done, AnswerDone) and done.status == "complete"
    tools = [e for e in events if isinstance(e, ToolFinished)]
    assert [t.name for t in tools if t.ok][:2] == ["data360_search_indicators", "data360_get_data"]
    [chart] = [e for e in events if isinstance(e, ChartReady)]
    kenya = rows("SP.POP.TOTL", ("KEN",))
    assert chart.points == len([r for r in kenya if r.year >= 2000])
    text = "".join(e.text for e in events if isinstance(e, TextDelta))
    assert "Kenya" in text and done.grounded_share == 1.0
