"""The offline server's tools over MCP on loopback, checked against the values in the data files."""

from __future__ import annotations

import httpx
import pytest

from data360_chat.mcp_client import McpHub
from tests.support.wdi import data360_id, indicator_names, rows

KENYA_NIGERIA = {"database_id": "WB_WDI", "indicator_id": data360_id("SP.POP.TOTL"), "start_year": 2000}


def as_points(observations) -> list[tuple[str, int, float]]:
    return sorted((o.country_code, int(o.year), o.value) for o in observations)


async def test_get_data_returns_exactly_the_files_values(hub: McpHub) -> None:
    result = await hub.call(
        "data360_get_data",
        {**KENYA_NIGERIA, "end_year": 2019, "disaggregation_filters": {"REF_AREA": "KEN,NGA"}, "limit": 100},
    )
    assert result.ok, result.error
    expected = rows("SP.POP.TOTL", ("KEN", "NGA"), (2000, 2019))
    assert len(expected) == 40
    assert as_points(result.observations) == as_points(expected)
    assert {o.country_name for o in result.observations} == {"Kenya", "Nigeria"}


async def test_missing_years_stay_missing(hub: McpHub) -> None:
    expected = rows("SI.POV.GINI", ("KEN",), (1990, 2024))
    assert 0 < len(expected) < 35  # surveys are years apart
    result = await hub.call(
        "data360_get_data",
        {
            "database_id": "WB_WDI",
            "indicator_id": data360_id("SI.POV.GINI"),
            "disaggregation_filters": {"REF_AREA": "KEN"},
            "start_year": 1990,
            "end_year": 2024,
        },
    )
    assert as_points(result.observations) == as_points(expected)


@pytest.mark.parametrize(
    ("written", "code"),
    [
        ("USA", "USA"),
        ("United States", "USA"),
        ("us", "USA"),
        ("Côte d'Ivoire", "CIV"),
        ("Ivory Coast", "CIV"),
        ("South Korea", "KOR"),
        ("Korea, Rep.", "KOR"),
        ("KE", "KEN"),
        ("World", "WLD"),
        ("SSF", "SSF"),
        ("Sub-Saharan Africa", "SSF"),
        ("High income", "HIC"),
        ("UK", "GBR"),
        ("Russia", "RUS"),
        ("East Asia", "EAS"),
        ("Europe", "ECS"),
    ],
)
async def test_countries_resolve_from_names_codes_and_aliases(hub: McpHub, written: str, code: str) -> None:
    result = await hub.call(
        "data360_get_data", {**KENYA_NIGERIA, "end_year": 2001, "disaggregation_filters": {"REF_AREA": written}}
    )
    assert result.ok, result.error
    assert {o.country_code for o in result.observations} == {code}
    assert as_points(result.observations) == as_points(rows("SP.POP.TOTL", (code,), (2000, 2001)))


async def test_pages_cover_every_row_once(hub: McpHub) -> None:
    arguments = {**KENYA_NIGERIA, "end_year": 2020, "disaggregation_filters": {"REF_AREA": "KEN,NGA,GHA"}, "limit": 25}
    seen, offset = [], 0
    while True:
        page = await hub.call("data360_get_data", {**arguments, "offset": offset})
        assert page.ok and page.data["count"] == len(page.observations) <= 25
        seen.extend(page.observations)
        if not page.data["has_more"]:
            break
        offset = page.data["next_offset"]
    assert page.data["total_count"] == len(seen) == 63
    assert as_points(seen) == as_points(rows("SP.POP.TOTL", ("KEN", "NGA", "GHA"), (2000, 2020)))


@pytest.mark.parametrize(
    ("arguments", "says"),
    [
        ({"indicator_id": "../../etc/passwd"}, "Invalid indicator_id"),
        ({"indicator_id": "https://evil.example/x"}, "Invalid indicator_id"),
        ({"indicator_id": "WB_WDI_NOT_REAL"}, "Unknown indicator_id"),
        ({"database_id": "WB_ELSEWHERE"}, "Valid databases: WB_WDI"),
        ({"disaggregation_filters": {"COLOUR": "red"}}, "Valid dimensions: REF_AREA"),
        ({"disaggregation_filters": {"REF_AREA": "Atlantis"}}, "Unknown country or area: Atlantis"),
        ({"disaggregation_filters": {"REF_AREA": "Keyna"}}, "KEN (Kenya)"),
        ({"disaggregation_filters": {"REF_AREA": "Africa"}}, "SSF (Sub-Saharan Africa)"),
        ({"disaggregation_filters": {"SEX": "F"}}, "Valid values: _T"),
        ({"offset": -5}, "offset must be 0 or more"),
        ({"limit": 0}, "limit must be between 1 and 100"),
        ({"start_year": 2020, "end_year": 2000}, "after end_year"),
    ],
)
async def test_bad_arguments_get_an_error_that_says_what_is_valid(hub: McpHub, arguments: dict, says: str) -> None:
    result = await hub.call("data360_get_data", {**KENYA_NIGERIA, **arguments})
    assert not result.ok
    assert says in result.error


async def test_a_time_period_filter_keeps_only_those_years(hub: McpHub) -> None:
    filters = {"REF_AREA": "KEN", "TIME_PERIOD": "2005,2015"}
    arguments = {"database_id": "WB_WDI", "indicator_id": data360_id("SP.POP.TOTL")}
    result = await hub.call("data360_get_data", {**arguments, "disaggregation_filters": filters})
    expected = [row for row in rows("SP.POP.TOTL", ("KEN",), (2005, 2015)) if row.year in (2005, 2015)]
    assert as_points(result.observations) == as_points(expected)
    bad = await hub.call("data360_get_data", {**arguments, "disaggregation_filters": {"TIME_PERIOD": "lately"}})
    assert not bad.ok and "must be years such as 2010" in bad.error


async def test_a_huge_limit_is_capped(hub: McpHub) -> None:
    result = await hub.call("data360_get_data", {**KENYA_NIGERIA, "limit": 10**9, "start_year": 1960})
    assert result.ok and result.data["count"] == 100 and result.data["has_more"]


async def test_default_years_are_the_last_twenty_with_data(hub: McpHub) -> None:
    arguments = {"database_id": "WB_WDI", "indicator_id": data360_id("SP.POP.TOTL")}
    result = await hub.call("data360_get_data", {**arguments, "disaggregation_filters": {"REF_AREA": "KEN"}})
    years = [o.year for o in result.observations]
    last = max(row.year for row in rows("SP.POP.TOTL", ("KEN",)))
    assert years == list(range(last - 19, last + 1))


async def test_search_ranks_totals_and_flags_country_coverage(hub: McpHub) -> None:
    result = await hub.call("data360_search_indicators", {"query": "rising prices", "required_country": "Kenya"})
    assert result.ok
    top = result.data["indicators"][0]
    assert top["idno"] == data360_id("FP.CPI.TOTL.ZG") and top["covers_country"] is True
    assert result.data["required_country"] == "KEN"
    empty = await hub.call("data360_search_indicators", {"query": "zzqx"})
    assert not empty.ok and "No indicators found" in empty.error


async def test_metadata_disaggregation_codelists_and_lists(hub: McpHub) -> None:
    idno = data360_id("SP.DYN.LE00.IN")
    metadata = await hub.call("data360_get_metadata", {"database_id": "WB_WDI", "indicator_id": idno})
    assert metadata.data["indicator_metadata"]["name"] == indicator_names()["SP.DYN.LE00.IN"]
    assert metadata.data["disaggregation_options"]
    brief = await hub.call(
        "data360_get_metadata", {"database_id": "WB_WDI", "indicator_id": idno, "fetch_disaggregation": False}
    )
    assert brief.data["disaggregation_options"] == []
    options = await hub.call("data360_get_disaggregation", {"database_id": "WB_WDI", "indicator_id": idno})
    dimensions = {d["field_name"]: d["field_value"] for d in options.data["dimensions"]}
    file_rows = rows("SP.DYN.LE00.IN")
    assert set(dimensions["REF_AREA"]) == {row.country_code for row in file_rows}
    assert dimensions["TIME_PERIOD"] == [str(y) for y in sorted({row.year for row in file_rows})]
    codes = await hub.call("data360_find_codelist_value", {"codelist_type": "REF_AREA", "query": "Kenya, Ivory Coast"})
    assert [match["id"] for match in codes.data] == ["KEN", "CIV"]
    listed = await hub.call("data360_list_indicators", {"database_id": "WB_WDI"})
    assert idno in listed.data and len(listed.data) == 35
    kinds = await hub.call("data360_get_supported_chart_types", {})
    assert {kind["id"] for kind in kinds.data["chart_types"]} >= {"line", "bar", "point", "area"}


async def test_viz_spec_is_fetched_from_its_url_and_the_data_url_serves_the_same_rows(hub: McpHub) -> None:
    arguments = {**KENYA_NIGERIA, "end_year": 2010, "country_code": "KEN,NGA"}
    spec = await hub.call("data360_get_viz_spec", arguments)
    assert spec.ok and spec.viz_spec["mark"]["type"] == "line"
    values = spec.viz_spec["data"]["values"]
    expected = rows("SP.POP.TOTL", ("KEN", "NGA"), (2000, 2010))
    assert sorted((v["country"], int(v["year"]), v["value"]) for v in values) == sorted(
        (r.country_name, r.year, r.value) for r in expected
    )
    bad = await hub.call("data360_get_viz_spec", {**arguments, "chart_type": "pie chart"})
    assert not bad.ok and "Valid: line" in bad.error
    everywhere = await hub.call("data360_get_viz_spec", {**KENYA_NIGERIA, "end_year": 2020})
    assert not everywhere.ok and "give country_code" in everywhere.error
    refused = await hub.call("data360_get_data_api_url", {**arguments, "country_code": "file:///etc/passwd"})
    assert not refused.ok and "Invalid value for REF_AREA" in refused.error
    url = await hub.call("data360_get_data_api_url", arguments)
    assert url.ok and url.text.startswith("http://127.0.0.1:")
    async with httpx.AsyncClient(timeout=10) as client:
        served = (await client.get(url.text)).json()["value"]
    assert sorted((r["REF_AREA"], int(r["TIME_PERIOD"]), r["OBS_VALUE"]) for r in served) == sorted(
        (r.country_code, r.year, r.value) for r in expected
    )
