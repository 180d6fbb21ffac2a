"""The tool result cache at the MCP hub, against the offline server over HTTP with its calls counted: equivalent
calls reach the server once, only allow-listed tools and successes are kept, entries expire and the oldest go
first; shared by replicas through a real Redis, and in process while Redis is down. An answer written from cached
results is the same answer."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from prometheus_client import REGISTRY

from data360_chat.assistant import events as ev
from data360_chat.assistant.pipeline import answer
from data360_chat.mcp_client import McpHub
from data360_chat.mcp_client.cache import result_cache_for
from data360_chat.repositories.users import create_user
from data360_chat.settings import Settings
from tests.support.counted_mcp import CountedServer, counted_offline_server
from tests.support.net import free_port
from tests.support.redis import own_redis

KENYA = {"database_id": "WB_WDI", "indicator_id": "WB_WDI_SP_POP_TOTL", "disaggregation_filters": {"REF_AREA": "KEN"}}
SAME_AS_KENYA = {
    "disaggregation_filters": {"REF_AREA": " KEN "},
    "indicator_id": " WB_WDI_SP_POP_TOTL",
    "database_id": "WB_WDI",
    "start_year": None,
}
GET_DATA = "data360_get_data"


def country(code: str) -> dict[str, Any]:
    return {**KENYA, "disaggregation_filters": {"REF_AREA": code}}


@pytest.fixture(scope="module")
def server() -> Iterator[CountedServer]:
    with counted_offline_server() as running:
        yield running


@pytest.fixture
def calls(server: CountedServer) -> Any:
    """How many times the server ran each tool since this test began."""
    before = server.calls.copy()
    return lambda tool: server.calls[tool] - before[tool]


async def cached_hub(server: CountedServer, **settings: Any) -> McpHub:
    configured = Settings(data360_mcp_url=server.url, extra_mcp_servers="", **settings)
    hub = McpHub(configured, cache=result_cache_for(configured))
    await hub.start()
    return hub


@pytest.fixture
async def hub(server: CountedServer) -> AsyncIterator[McpHub]:
    started = await cached_hub(server)
    yield started
    await started.close()


def lookups(result: str) -> float:
    return REGISTRY.get_sample_value("d360_cache_lookups_total", {"cache": "tool_result", "result": result}) or 0


async def test_equivalent_calls_reach_the_server_once_and_get_the_same_result(hub: McpHub, calls) -> None:
    hits_before, misses_before = lookups("hit"), lookups("miss")
    first = await hub.call(GET_DATA, KENYA)
    again = await hub.call(GET_DATA, SAME_AS_KENYA)
    assert first.ok and first.observations
    assert (again.text, again.data, again.observations) == (first.text, first.data, first.observations)
    assert calls(GET_DATA) == 1
    assert (hub.cache.counts.hits, hub.cache.counts.misses) == (1, 1)
    assert (lookups("hit"), lookups("miss")) == (hits_before + 1, misses_before + 1)
    other = await hub.call(GET_DATA, country("GHA"))
    assert other.ok and {o.country_code for o in other.observations} == {"GHA"} and calls(GET_DATA) == 2


async def test_only_allow_listed_tools_and_successes_are_kept(hub: McpHub, calls) -> None:
    for _ in range(2):
        assert (
            await hub.call(
                "data360_get_viz_spec",
                {
                    "database_id": "WB_WDI",
                    "indicator_id": "WB_WDI_SP_POP_TOTL",
                    "country_code": "KEN",
                    "chart_type": "line",
                },
            )
        ).ok
        failed = await hub.call(GET_DATA, {**KENYA, "indicator_id": "WB_WDI_NO_SUCH_THING"})
        assert not failed.ok
    assert calls("data360_get_viz_spec") == 2 and calls(GET_DATA) == 2
    assert hub.cache.counts.hits == 0


async def test_entries_expire_and_the_least_recently_used_go_first(server: CountedServer, calls) -> None:
    hub = await cached_hub(server, tool_cache_seconds=0.5, tool_cache_max_entries=2)
    try:
        countries = ["KEN", "GHA", "KEN", "NGA", "KEN", "GHA"]  # GHA, least recently used, goes for NGA
        for code in countries:
            assert (await hub.call(GET_DATA, country(code))).ok
        assert calls(GET_DATA) == 4
        await asyncio.sleep(0.6)
        assert (await hub.call(GET_DATA, KENYA)).ok and calls(GET_DATA) == 5
    finally:
        await hub.close()


async def test_replicas_share_results_through_redis_and_carry_on_without_it(server: CountedServer, calls) -> None:
    with own_redis() as redis:
        here, there = await cached_hub(server, redis_url=redis.url), await cached_hub(server, redis_url=redis.url)
        try:
            assert (await here.call(GET_DATA, KENYA)).ok
            assert (await there.call(GET_DATA, SAME_AS_KENYA)).ok
            assert calls(GET_DATA) == 1 and there.cache.counts.hits == 1
            redis.stop()  # mid-run: each replica caches in its own process
            ghana = country("GHA")
            for _ in range(2):
                assert (await here.call(GET_DATA, ghana)).ok
            assert calls(GET_DATA) == 2
            redis.start()  # back, empty: shared again
            assert (await there.call(GET_DATA, ghana)).ok and (await here.call(GET_DATA, ghana)).ok
            assert calls(GET_DATA) == 3
        finally:
            await here.close()
            await there.close()


async def test_redis_absent_at_start_leaves_a_cache_in_process(server: CountedServer, calls) -> None:
    hub = await cached_hub(server, redis_url=f"redis://127.0.0.1:{free_port()}/0")
    try:
        for _ in range(3):
            assert (await hub.call(GET_DATA, KENYA)).ok
        assert calls(GET_DATA) == 1
    finally:
        await hub.close()


def shown(events: list) -> list:
    """What the person sees of an answer: its text, tool steps (without timings), charts and sources."""
    seen = []
    for event in events:
        if isinstance(event, ev.TextDelta | ev.SourcesReady):
            seen.append(event)
        elif isinstance(event, ev.ToolStarted):
            seen.append((event.name, event.arguments))
        elif isinstance(event, ev.ToolFinished):
            seen.append((event.name, event.ok, event.error))
        elif isinstance(event, ev.ChartReady):
            seen.append((event.title, event.figure, event.source, event.summary, event.points))
    return seen


async def test_an_answer_from_cached_results_is_the_same_answer(hub: McpHub, database, calls) -> None:
    settings = Settings(llm_model="offline", offline_model_speed=10_000)
    answers = []
    for _ in range(2):
        async with database.session() as session:
            user_id = (await create_user(session, f"{uuid.uuid4().hex[:8]}@example.org")).id
        question = "Population of Kenya since 2000"
        events = [e async for e in answer(user_id, None, question, database=database, hub=hub, settings=settings)]
        assert isinstance(events[-1], ev.AnswerDone) and events[-1].status == "complete"
        answers.append(shown(events))
    assert answers[0] == answers[1] and any(isinstance(e, tuple) and e[0] == GET_DATA for e in answers[0])
    assert calls(GET_DATA) == 1 and hub.cache.counts.hits >= 1
