"""Charts from real WDI observations: the right kind, readable, small, and carrying their data and source."""

from __future__ import annotations

import dataclasses
import json

import plotly.graph_objects as go

from data360_chat.assistant.charts import MAX_BARS, charts_from_observations, downsample
from data360_chat.assistant.vega import vega_lite_to_plotly
from data360_chat.geography import is_aggregate
from tests.support.wdi import rows


def assert_valid_plotly(figure: dict) -> None:
    go.Figure(figure)  # raises on any property Plotly does not know
    assert "template" not in figure["layout"]


def test_a_few_countries_over_time_are_lines_one_per_country():
    data = rows("NY.GDP.PCAP.CD", ("BRA", "IND", "CHN"), (2000, 2024))
    [chart] = charts_from_observations(list(data))
    figure = chart.figure
    assert_valid_plotly(figure)
    assert {trace["type"] for trace in figure["data"]} == {"scatter"}
    assert sorted(trace["name"] for trace in figure["data"]) == ["Brazil", "China", "India"]
    china = next(trace for trace in figure["data"] if trace["name"] == "China")
    expected = {r.year: r.value for r in data if r.country_code == "CHN"}
    assert dict(zip(china["x"], china["y"], strict=True)) == expected
    assert figure["layout"]["yaxis"]["title"]["text"] == "current US$"
    assert "GDP per capita" in chart.title
    assert "WB_WDI_NY_GDP_PCAP_CD" in figure["layout"]["annotations"][0]["text"]
    assert "current US$" in china["hovertemplate"]
    assert len(chart.rows) == len(data)
    assert chart.source["url"] == "https://data360.worldbank.org/en/indicator/WB_WDI_NY_GDP_PCAP_CD"
    assert chart.source["countries"] and chart.points == len(data)
    assert "China" in chart.summary


def test_one_year_across_countries_is_sorted_bars_without_aggregates():
    data = [r for r in rows("EN.ATM.CO2E.PC", (), (2014, 2014))]
    [chart] = charts_from_observations(data)
    assert_valid_plotly(chart.figure)
    [bars] = chart.figure["data"]
    assert bars["type"] == "bar" and bars["orientation"] == "h"
    countries = sorted((r for r in data if not is_aggregate(r.country_code)), key=lambda r: r.value, reverse=True)
    top = countries[:MAX_BARS]
    assert bars["y"] == [r.country_name for r in reversed(top)]
    assert bars["x"] == [r.value for r in reversed(top)]
    assert f"top {MAX_BARS} of {len(countries)}" in chart.figure["layout"]["title"]["text"]


def test_two_indicators_across_countries_make_a_scatter():
    gdp = rows("NY.GDP.PCAP.CD", (), (2019, 2019))
    life = rows("SP.DYN.LE00.IN", (), (2019, 2019))
    [chart] = charts_from_observations([*gdp, *life])
    assert_valid_plotly(chart.figure)
    [points] = chart.figure["data"]
    assert points["mode"] == "markers"
    life_by_country = {r.country_code: r.value for r in life}
    shared = [r for r in gdp if r.country_code in life_by_country and not is_aggregate(r.country_code)]
    assert len(points["x"]) == len(shared)
    japan = points["text"].index("Japan")
    assert points["y"][japan] == life_by_country["JPN"]
    assert "Life expectancy" in chart.figure["layout"]["yaxis"]["title"]["text"]


def test_a_single_value_needs_no_chart():
    assert charts_from_observations(list(rows("SP.POP.TOTL", ("KEN",), (2020, 2020)))) == []


def test_figures_stay_small():
    data = rows("SP.POP.TOTL", ("KEN",), (1960, 2025))
    [chart] = charts_from_observations(list(data))
    assert len(json.dumps(chart.figure)) < 4000


def test_long_series_are_downsampled_keeping_ends_and_extremes():
    points = [(index, float((index * 37) % 101)) for index in range(5000)]
    kept = downsample(points, 400)
    assert len(kept) <= 400
    assert kept[0] == points[0] and kept[-1] == points[-1]
    assert max(v for _, v in kept) == max(v for _, v in points)
    assert min(v for _, v in kept) == min(v for _, v in points)
    assert [x for x, _ in kept] == sorted(x for x, _ in kept)


def test_links_in_tool_data_are_shown_as_text_in_every_label():
    link = '<a href="https://evil.example/steal">Click here</a>'
    data = [
        dataclasses.replace(r, indicator_name=f"GDP {link}", country_name=f"{r.country_name} {link}")
        for r in rows("NY.GDP.PCAP.CD", ("BRA", "IND"), (2010, 2020))
    ]
    [chart] = charts_from_observations(data)
    spec = {
        "title": {"text": link},
        "data": {"values": [{"year": 2020, "value": 1.0, "who": link}]},
        "mark": "bar",
        "encoding": {"x": {"field": "who", "title": link}, "y": {"field": "value"}},
    }
    converted = vega_lite_to_plotly(spec, {"name": link})
    assert converted is not None
    for figure in (chart.figure, converted.figure):
        assert_valid_plotly(figure)
        text = json.dumps(figure)
        assert "<a " not in text.lower() and "</a>" not in text.lower()
        assert "&lt;a href=" in text  # still readable, as text
