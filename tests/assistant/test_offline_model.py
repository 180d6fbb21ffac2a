"""The offline model end to end: the same pipeline, LiteLLM custom provider, the real offline MCP server.

Every number in its answers is checked against the data files at the precision it is written with.
"""

from __future__ import annotations

import re

import pytest

from data360_chat.assistant import events as ev
from data360_chat.assistant.pipeline import answer
from data360_chat.geography import is_aggregate
from data360_chat.settings import Settings
from tests.support.wdi import data_dir, rows

VALUE_IN_YEAR = re.compile(r"(-?[\d,]+(?:\.\d+)?)%? in (\d{4})")


def offline_settings(**overrides: object) -> Settings:
    return Settings(llm_model="offline", offline_model_speed=5000, data360_offline_data=data_dir(), **overrides)


async def ask_offline(question: str, database, hub, owner) -> tuple[str, list]:
    events = [e async for e in answer(*owner, question, database=database, hub=hub, settings=offline_settings())]
    assert events[0].offline is True
    assert events[-1].status == "complete", events[-3:]
    return "".join(e.text for e in events if isinstance(e, ev.TextDelta)), events


def close_to(written: str, value: float) -> bool:
    """Whether a number as written matches the value at the precision shown."""
    decimals = len(written.partition(".")[2])
    return abs(float(written.replace(",", "")) - value) <= 0.5 * 10**-decimals + 1e-9


def line_about(text: str, country: str) -> str:
    return next(line for line in text.splitlines() if line.lstrip("- ").startswith(country))


def check_series_line(line: str, series: dict[int, float]) -> list[int]:
    """Every `VALUE in YEAR` on the line matches the data; the years quoted."""
    quoted = []
    for written, year in VALUE_IN_YEAR.findall(line):
        assert int(year) in series, f"{year} is not in the data: {line}"
        assert close_to(written, series[int(year)]), (line, year, series[int(year)])
        quoted.append(int(year))
    assert quoted, line
    return quoted


def assert_grounded(events: list) -> None:
    done = events[-1]
    assert done.grounded_share in (1.0, None), done.ungrounded_numbers


async def test_population_of_kenya_since_2000(database, hub, owner):
    text, events = await ask_offline("Population of Kenya since 2000", database, hub, owner)
    series = {r.year: r.value for r in rows("SP.POP.TOTL", ("KEN",), (2000, 2100))}
    years = check_series_line(line_about(text, "Kenya"), series)
    assert (min(years), max(years)) == (2000, max(series))
    assert "Offline model" in text and "WB_WDI_SP_POP_TOTL" in text
    [chart] = [e for e in events if isinstance(e, ev.ChartReady)]
    [line] = chart.figure["data"]
    assert dict(zip(line["x"], line["y"], strict=True)) == series
    assert_grounded(events)


async def test_compare_gdp_per_capita_of_brazil_india_and_china(database, hub, owner):
    text, events = await ask_offline("Compare GDP per capita of Brazil, India and China", database, hub, owner)
    latest = {}
    for code, name in (("BRA", "Brazil"), ("IND", "India"), ("CHN", "China")):
        series = {r.year: r.value for r in rows("NY.GDP.PCAP.CD", (code,))}
        years = check_series_line(line_about(text, name), series)
        assert max(years) == max(series)
        latest[name] = series[max(years)]
    [chart] = [e for e in events if isinstance(e, ev.ChartReady)]
    assert sorted(trace["name"] for trace in chart.figure["data"]) == ["Brazil", "China", "India"]
    top = max(latest, key=latest.get)
    assert f"{top} was highest" in text
    assert_grounded(events)


async def test_highest_co2_emissions_per_capita_in_2014(database, hub, owner):
    question = "Which countries had the highest CO2 emissions per capita in 2014?"
    text, events = await ask_offline(question, database, hub, owner)
    countries = [r for r in rows("EN.ATM.CO2E.PC", (), (2014, 2014)) if not is_aggregate(r.country_code)]
    expected = sorted(countries, key=lambda r: r.value, reverse=True)[:10]
    ranked = re.findall(r"^(\d+)\. (.+): ([\d,.]+)$", text, re.MULTILINE)
    assert [name for _, name, _ in ranked] == [r.country_name for r in expected]
    assert all(close_to(written, r.value) for (_, _, written), r in zip(ranked, expected, strict=True))
    assert "highest values in 2014" in text
    assert_grounded(events)


async def test_life_expectancy_in_japan_vs_nigeria(database, hub, owner):
    text, events = await ask_offline("Life expectancy in Japan vs Nigeria", database, hub, owner)
    for code, name in (("JPN", "Japan"), ("NGA", "Nigeria")):
        series = {r.year: r.value for r in rows("SP.DYN.LE00.IN", (code,))}
        years = check_series_line(line_about(text, name), series)
        assert max(years) == max(series)
    assert "Japan was highest" in text
    assert_grounded(events)


async def test_inflation_in_argentina_over_the_last_20_years(database, hub, owner):
    text, events = await ask_offline("Inflation in Argentina over the last 20 years", database, hub, owner)
    series = {r.year: r.value for r in rows("FP.CPI.TOTL.ZG", ("ARG",))}
    years = check_series_line(line_about(text, "Argentina"), series)
    first, last = min(series), max(series)
    assert (min(years), max(years)) == (first, last)
    assert f"nothing before {first}" in text  # the data starts later than the 20 years asked for
    assert_grounded(events)


async def test_a_year_without_data_gets_the_nearest_year_instead(database, hub, owner):
    text, events = await ask_offline("Population of Kenya in 2040", database, hub, owner)
    series = {r.year: r.value for r in rows("SP.POP.TOTL", ("KEN",))}
    nearest = max(series)
    line = line_about(text, "Kenya")
    assert f"no data for 2040; the nearest year with data is {nearest}" in line
    written = re.search(rf"{nearest}: ([\d,.]+)", line).group(1)
    assert close_to(written, series[nearest])
    assert not re.search(r"2040: [\d,]", text)
    assert_grounded(events)


async def test_a_country_without_data_is_named(database, hub, owner):
    text, _ = await ask_offline("Population of Kenya and Taiwan since 2015", database, hub, owner)
    assert rows("SP.POP.TOTL", ("TWN",)) == ()
    assert "There is no data for Taiwan" in text


@pytest.mark.parametrize("question", ["Write me a poem about cats", "hello"])
async def test_anything_else_gets_what_it_can_do(database, hub, owner, question):
    text, events = await ask_offline(question, database, hub, owner)
    assert "I look up World Bank indicators" in text and "LLM_MODEL" in text
    assert not any(isinstance(e, ev.ChartReady) for e in events)
    assert_grounded(events)
