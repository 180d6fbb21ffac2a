"""Search on the full 325-indicator catalogue: everyday words find the indicator a person means."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from data360_chat.mcp_client import McpHub
from data360_chat.offline_mcp.process import start_offline_server
from data360_chat.settings import get_settings
from tests.offline_mcp.conftest import connected_hub
from tests.offline_mcp.search_pairs import SEARCH_PAIRS
from tests.support.wdi import data360_id

FULL_CATALOGUE = Path("/work/shared/data/wdi")


@pytest.fixture(scope="module")
def full_server_url() -> Iterator[str]:
    with start_offline_server(get_settings(), data=FULL_CATALOGUE) as server:
        yield server.url


@pytest.fixture
async def full_hub(full_server_url: str) -> AsyncIterator[McpHub]:
    async with connected_hub(full_server_url) as hub:
        yield hub


def test_there_are_enough_everyday_queries() -> None:
    assert len(SEARCH_PAIRS) >= 40
    assert len({query for query, _ in SEARCH_PAIRS}) == len(SEARCH_PAIRS)


async def test_the_expected_indicator_is_in_the_top_three_for_every_query(full_hub: McpHub) -> None:
    listed = await full_hub.call("data360_list_indicators", {"database_id": "WB_WDI"})
    assert len(listed.data) == 325
    misses = []
    for query, code in SEARCH_PAIRS:
        result = await full_hub.call("data360_search_indicators", {"query": query, "limit": 3})
        top = [item["idno"] for item in result.data["indicators"]] if result.ok else []
        if data360_id(code) not in top:
            misses.append(f"{query!r}: expected {code}, got {top}")
    assert not misses, "\n".join(misses)


async def test_headline_indicators_come_first(full_hub: McpHub) -> None:
    """Totals above their sub-groups; consumer-price inflation above the GDP deflator."""
    for query, total in [
        ("unemployment", "SL.UEM.TOTL.ZS"),
        ("life expectancy", "SP.DYN.LE00.IN"),
        ("inflation", "FP.CPI.TOTL.ZG"),
    ]:
        result = await full_hub.call("data360_search_indicators", {"query": query, "limit": 5})
        names = [item["idno"] for item in result.data["indicators"]]
        assert names[0] == data360_id(total), names


async def test_paging_through_search_results(full_hub: McpHub) -> None:
    first = await full_hub.call("data360_search_indicators", {"query": "school enrollment", "limit": 3})
    assert first.data["has_more"] and first.data["next_offset"] == 3
    second = await full_hub.call("data360_search_indicators", {"query": "school enrollment", "limit": 3, "offset": 3})
    ids = [item["idno"] for item in first.data["indicators"] + second.data["indicators"]]
    assert len(set(ids)) == 6
