"""Search on the full 325-indicator catalogue: everyday words find the indicator a person means.

The development questions (search_pairs.py) must each find their indicator in the top 3; the held-out questions
(held_out_questions.json), never tuned on, must find it in at least 95% of cases, on the full bundle and on the
built-in core bundle for the questions whose indicator it holds.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from data360_chat.mcp_client import McpHub
from data360_chat.offline_mcp.process import start_offline_server
from data360_chat.settings import get_settings
from tests.offline_mcp.conftest import connected_hub
from tests.offline_mcp.search_pairs import SEARCH_PAIRS, HeldOut, held_out_questions
from tests.support.wdi import data360_id

FULL_CATALOGUE = Path("/work/shared/data/wdi")
HELD_OUT_TOP_THREE = 0.95


@pytest.fixture(scope="module")
def full_server_url() -> Iterator[str]:
    with start_offline_server(get_settings(), data=FULL_CATALOGUE) as server:
        yield server.url


@pytest.fixture
async def full_hub(full_server_url: str) -> AsyncIterator[McpHub]:
    async with connected_hub(full_server_url) as hub:
        yield hub


async def top_three(hub: McpHub, query: str) -> list[str]:
    """The ids of the first three search results."""
    result = await hub.call("data360_search_indicators", {"query": query, "limit": 3})
    return [item["idno"] for item in result.data["indicators"]] if result.ok else []


async def misses(hub: McpHub, questions: list[tuple[str, frozenset[str]]]) -> list[str]:
    """The questions whose top three hold none of the WDI codes they accept, as readable lines."""
    missed = []
    for question, accepted in questions:
        top = await top_three(hub, question)
        if not {data360_id(code) for code in accepted} & set(top):
            missed.append(f"{question!r}: expected one of {sorted(accepted)}, got {top}")
    return missed


async def wdi_codes(hub: McpHub) -> set[str]:
    """The WDI codes of every indicator the server has."""
    listed = await hub.call("data360_list_indicators", {"database_id": "WB_WDI"})
    return {idno.removeprefix("WB_WDI_").replace("_", ".") for idno in listed.data}


def pairs(questions: list[HeldOut]) -> list[tuple[str, frozenset[str]]]:
    return [(question.question, question.accept) for question in questions]


def test_there_are_enough_everyday_queries() -> None:
    assert len(SEARCH_PAIRS) >= 40
    assert len({query for query, _ in SEARCH_PAIRS}) == len(SEARCH_PAIRS)
    questions = held_out_questions()
    assert len(questions) >= 150 and len({question.question for question in questions}) == len(questions)
    development = {query.lower() for query, _ in SEARCH_PAIRS}
    assert not [question.question for question in questions if question.question.lower() in development]


async def test_the_expected_indicator_is_in_the_top_three_for_every_query(full_hub: McpHub) -> None:
    assert len(await wdi_codes(full_hub)) == 325
    development = [(query, frozenset([codes] if isinstance(codes, str) else codes)) for query, codes in SEARCH_PAIRS]
    missed = await misses(full_hub, development)
    assert not missed, "\n".join(missed)


async def test_held_out_questions_find_their_indicator_in_the_top_three(full_hub: McpHub) -> None:
    questions = list(held_out_questions())
    codes = await wdi_codes(full_hub)
    assert all(question.accept <= codes for question in questions)
    for written in (1, 2):
        batch = pairs([question for question in questions if question.set == written])
        missed = await misses(full_hub, batch)
        assert 1 - len(missed) / len(batch) >= HELD_OUT_TOP_THREE, f"set {written}:\n" + "\n".join(missed)


async def test_held_out_questions_on_the_core_bundle(hub: McpHub) -> None:
    """The built-in 35 indicators: the questions whose indicator is among them, answered only by those."""
    core = await wdi_codes(hub)
    questions = pairs([question.within(core) for question in held_out_questions() if question.accept & core])
    assert len(questions) >= 50
    missed = await misses(hub, questions)
    assert 1 - len(missed) / len(questions) >= HELD_OUT_TOP_THREE, "\n".join(missed)


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
