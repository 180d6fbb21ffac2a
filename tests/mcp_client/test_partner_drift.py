"""The offline server against the public one (data360-mcp 0.1.2, its API the stand-in serving the same bundle):
the same tools, arguments (names, JSON types, defaults, required), output schemas and result shapes
(structured content, a list as one JSON array, every declared key in errors too). Fails when either drifts.

Known differences, each on purpose:
- `data360_get_metadata` declares `get_valid_disaggregations_func`, a Python callable of its implementation that
  no JSON value can fill; the offline server does not offer it.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from mcp import ClientSession
from mcp.client.streamable_http import streamable_http_client
from mcp.types import CallToolResult, TextContent, Tool

from tests.support.data360_tools import DATA360_TOOLS
from tests.support.partner import Partner
from tests.support.wdi import data360_id

POPULATION = data360_id("SP.POP.TOTL")
NOT_OFFERED = {"data360_get_metadata": {"get_valid_disaggregations_func"}}
ANSWERS = {
    "data360_search_indicators": {"query": "population", "required_country": "KEN"},
    "data360_get_metadata": {"database_id": "WB_WDI", "indicator_id": POPULATION},
    "data360_get_data": {
        "database_id": "WB_WDI",
        "indicator_id": POPULATION,
        "disaggregation_filters": {"REF_AREA": "KEN"},
        "start_year": 2000,
        "end_year": 2004,
    },
    "data360_get_disaggregation": {"database_id": "WB_WDI", "indicator_id": POPULATION},
    "data360_find_codelist_value": {"codelist_type": "REF_AREA", "query": "Kenya"},
    "data360_list_indicators": {"database_id": "WB_WDI"},
    "data360_get_data_api_url": {"database_id": "WB_WDI", "indicator_id": POPULATION, "country_code": "KEN"},
    "data360_get_viz_spec": {
        "database_id": "WB_WDI",
        "indicator_id": POPULATION,
        "country_code": "KEN,NGA",
        "start_year": 2000,
        "end_year": 2009,
        "relevant_fields": ["time_period", "obs_value", "ref_area"],
    },
    "data360_get_supported_chart_types": {},
}
REFUSALS = {  # the same mistake made to both
    "data360_search_indicators": {"query": "zzqx qqzx"},
    "data360_get_metadata": {"database_id": "WB_WDI", "indicator_id": "WB_WDI_NOT_REAL"},
    "data360_get_data": {"database_id": "WB_WDI", "indicator_id": "WB_WDI_NOT_REAL"},
    "data360_get_disaggregation": {"database_id": "WB_WDI", "indicator_id": "WB_WDI_NOT_REAL"},
    "data360_get_data_api_url": {"database_id": "WB_WDI", "indicator_id": "WB_WDI_NOT_REAL"},
    "data360_get_viz_spec": {"database_id": "WB_WDI", "indicator_id": "WB_WDI_NOT_REAL"},
}


@asynccontextmanager
async def session(url: str) -> AsyncIterator[ClientSession]:
    async with streamable_http_client(url) as (read, write), ClientSession(read, write) as opened:
        await opened.initialize()
        yield opened


@pytest.fixture
def urls(partner: Partner, offline_mcp_url: str) -> tuple[str, str]:
    """(the public server, the offline server)."""
    return partner.url, offline_mcp_url


@asynccontextmanager
async def both(urls: tuple[str, str]) -> AsyncIterator[tuple[ClientSession, ClientSession]]:
    """Raw MCP sessions with (the public server, the offline server), opened and closed in the test's own task."""
    async with session(urls[0]) as public, session(urls[1]) as offline:
        yield public, offline


async def tools_of(opened: ClientSession) -> dict[str, Tool]:
    return {tool.name: tool for tool in (await opened.list_tools()).tools}


def kind(schema: Any, defs: dict[str, Any] | None = None) -> Any:
    """The JSON types a schema allows, comparable across servers (titles, descriptions and `$ref`s aside)."""
    if not isinstance(schema, dict):
        return schema
    defs = {**(defs or {}), **schema.get("$defs", {})}
    if "$ref" in schema:
        return kind(defs[schema["$ref"].rsplit("/", 1)[-1]], defs)
    if "anyOf" in schema:
        return sorted((kind(option, defs) for option in schema["anyOf"]), key=repr)
    if schema.get("type") == "array":
        return ["array", kind(schema.get("items", {}), defs)]
    if schema.get("type") == "object":
        properties = {name: kind(value, defs) for name, value in schema.get("properties", {}).items()}
        extra = kind(schema.get("additionalProperties"), defs)
        return ["object", properties, extra, sorted(schema.get("required", []))]
    return schema.get("type", "any")


def arguments_of(tool: Tool, leave_out: set[str] = frozenset()) -> dict[str, Any]:
    schema = tool.input_schema
    return {
        "properties": {
            name: (kind(value), value.get("default", "(required)"))
            for name, value in schema["properties"].items()
            if name not in leave_out
        },
        "required": sorted(schema.get("required", [])),
    }


def shape(value: Any, schema: dict[str, Any], defs: dict[str, Any] | None = None) -> Any:
    """Keys and JSON types, down through what the public output schema declares (the first item of a list stands
    for all; an object the schema leaves open, whose keys come from the Data360 API, is compared by type only)."""
    defs = {**(defs or {}), **schema.get("$defs", {})}
    if "$ref" in schema:
        schema = defs[schema["$ref"].rsplit("/", 1)[-1]]
    if isinstance(value, dict) and "properties" in schema:
        return {key: shape(item, schema["properties"].get(key, {}), defs) for key, item in value.items()}
    if isinstance(value, list) and value:
        items = next((option["items"] for option in schema.get("anyOf", [schema]) if "items" in option), {})
        return ["list", shape(value[0], items, defs)]
    return type(value).__name__


def wire(result: CallToolResult) -> dict[str, Any]:
    """How a result travels: error flag, number and kind of content blocks, structured content's shape."""
    return {
        "is_error": result.is_error,
        "blocks": [block.type for block in result.content],
        "structured": None if result.structured_content is None else sorted(result.structured_content),
    }


def payload(result: CallToolResult) -> Any:
    """The structured content, unwrapped when it wraps a list or text (`{"result": ...}`)."""
    structured = result.structured_content
    return structured["result"] if set(structured) == {"result"} else structured


async def test_the_same_tools_take_the_same_arguments(urls: tuple[str, str]) -> None:
    async with both(urls) as sessions:
        public, offline = [await tools_of(opened) for opened in sessions]
    assert set(public) == set(offline) == DATA360_TOOLS
    for name in DATA360_TOOLS:
        assert arguments_of(offline[name]) == arguments_of(public[name], NOT_OFFERED.get(name, set())), name
        described = offline[name].input_schema["properties"].values()
        assert all(len(argument.get("description", "")) > 10 for argument in described), name
        assert len(offline[name].description) >= len(inspect.cleandoc(public[name].description)) / 2, name
        assert offline[name].title == public[name].title


async def test_the_same_output_schemas(urls: tuple[str, str]) -> None:
    async with both(urls) as sessions:
        public, offline = [await tools_of(opened) for opened in sessions]
    for name in DATA360_TOOLS:
        assert public[name].output_schema is not None, name
        assert kind(offline[name].output_schema) == kind(public[name].output_schema), name


@pytest.mark.parametrize("tool", sorted(ANSWERS))
async def test_answers_have_the_same_shape(urls: tuple[str, str], tool: str) -> None:
    async with both(urls) as sessions:
        public, offline = [await opened.call_tool(tool, ANSWERS[tool]) for opened in sessions]
        schema = (await tools_of(sessions[0]))[tool].output_schema
    assert wire(offline) == wire(public), tool
    assert not public.is_error, public.content
    assert shape(offline.structured_content, schema) == shape(public.structured_content, schema), tool
    for result in (public, offline):  # one text block: the text, or the JSON of the result (a list as one array)
        [block] = result.content
        value = payload(result)
        assert isinstance(block, TextContent)
        assert block.text == value if isinstance(value, str) else json.loads(block.text) == value
    if tool == "data360_find_codelist_value":  # its matches are made by the server itself, not its API
        assert [sorted(match) for match in payload(offline)] == [sorted(match) for match in payload(public)]


@pytest.mark.parametrize("tool", sorted(REFUSALS))
async def test_errors_have_the_same_shape(urls: tuple[str, str], tool: str) -> None:
    async with both(urls) as sessions:
        public, offline = [await opened.call_tool(tool, REFUSALS[tool]) for opened in sessions]
    assert wire(offline) == wire(public), (tool, public.content, offline.content)
    if public.structured_content is not None:  # every declared key is kept, the error set
        assert sorted(offline.structured_content) == sorted(public.structured_content)
        assert public.structured_content["error"] and offline.structured_content["error"]
