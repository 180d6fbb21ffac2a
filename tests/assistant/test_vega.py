"""Vega-Lite specs, inline or by URL, found and loaded by the MCP client and turned into Plotly figures."""

from __future__ import annotations

import contextlib
import functools
import http.server
import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import plotly.graph_objects as go
import pytest

from data360_chat.assistant.vega import vega_lite_to_plotly
from data360_chat.mcp_client.specs import SpecUnavailable, find_spec, load_spec
from tests.support.wdi import rows

SOURCE = {"indicator_id": "WB_WDI_SP_DYN_LE00_IN", "attribution": "World Bank, World Development Indicators"}


def altair_style_spec(mark: str, records: list[dict], **encoding: dict) -> dict:
    """A spec shaped like Altair's output (named dataset, config, interactive params, tooltip list)."""
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.17.0.json",
        "config": {"view": {"continuousWidth": 300, "continuousHeight": 300}},
        "data": {"name": "data-4f1c"},
        "datasets": {"data-4f1c": records},
        "mark": {"type": mark},
        "encoding": encoding,
        "params": [{"name": "param_1", "select": {"type": "interval", "encodings": ["x", "y"]}, "bind": "scales"}],
        "title": "Life expectancy at birth, total (years)",
    }


def life_records() -> list[dict]:
    return [
        {"year": f"{r.year}-01-01T00:00:00", "value": r.value, "country": r.country_name}
        for r in rows("SP.DYN.LE00.IN", ("JPN", "NGA"), (2000, 2024))
    ]


def test_a_line_spec_with_colour_becomes_one_line_per_country():
    records = life_records()
    spec = altair_style_spec(
        "line",
        records,
        x={"field": "year", "type": "temporal", "title": "Year"},
        y={"field": "value", "type": "quantitative", "title": "Years"},
        color={"field": "country", "type": "nominal"},
        tooltip=[{"field": "year", "type": "temporal"}, {"field": "value", "type": "quantitative"}],
    )
    chart = vega_lite_to_plotly(spec, SOURCE)
    assert chart is not None
    go.Figure(chart.figure)
    traces = {trace["name"]: trace for trace in chart.figure["data"]}
    assert set(traces) == {"Japan", "Nigeria"}
    japan = {r.year: r.value for r in rows("SP.DYN.LE00.IN", ("JPN",), (2000, 2024))}
    assert dict(zip(traces["Japan"]["x"], traces["Japan"]["y"], strict=True)) == japan
    assert chart.figure["layout"]["xaxis"]["title"]["text"] == "Year"
    assert chart.figure["layout"]["yaxis"]["title"]["text"] == "Years"
    assert chart.title == "Life expectancy at birth, total (years)"
    assert traces["Japan"]["customdata"][0][1] == japan[2000]
    assert chart.rows == records


def test_bars_points_and_areas():
    records = [{"country": "A", "value": 3.0}, {"country": "B", "value": 5.0}, {"country": "C", "value": 1.0}]
    bar = vega_lite_to_plotly(
        {
            "mark": "bar",
            "data": {"values": records},
            "encoding": {
                "x": {"field": "value", "type": "quantitative", "axis": {"title": "Tonnes"}},
                "y": {"field": "country", "type": "nominal", "sort": "-x"},
            },
        },
        {},
    )
    assert bar is not None
    go.Figure(bar.figure)
    [trace] = bar.figure["data"]
    assert trace["type"] == "bar" and trace["orientation"] == "h"
    assert bar.figure["layout"]["xaxis"]["title"]["text"] == "Tonnes"
    assert bar.figure["layout"]["yaxis"]["categoryorder"] == "total descending"
    for mark, check in (("point", {"mode": "markers"}), ("area", {"fill": "tozeroy"})):
        spec = {
            "mark": {"type": mark},
            "data": {"values": [{"x": i, "y": i * i} for i in range(5)]},
            "encoding": {"x": {"field": "x", "type": "quantitative"}, "y": {"field": "y", "type": "quantitative"}},
        }
        chart = vega_lite_to_plotly(spec, {})
        assert chart is not None
        go.Figure(chart.figure)
        assert check.items() <= chart.figure["data"][0].items()
        assert chart.figure["data"][0]["y"] == [0, 1, 4, 9, 16]


def test_layers_and_aggregates():
    spec = {
        "data": {"values": [{"k": "a", "v": 1}, {"k": "a", "v": 2}, {"k": "b", "v": 5}]},
        "layer": [
            {
                "mark": "bar",
                "encoding": {"x": {"field": "k", "type": "nominal"}, "y": {"field": "v", "aggregate": "sum"}},
            }
        ],
        "title": {"text": "Totals"},
    }
    chart = vega_lite_to_plotly(spec, {})
    assert chart is not None and chart.title == "Totals"
    assert dict(zip(chart.figure["data"][0]["x"], chart.figure["data"][0]["y"], strict=True)) == {"a": 3, "b": 5}


def test_unsupported_marks_are_left_to_the_observation_charts():
    spec = {"mark": "arc", "data": {"values": [{"a": 1}]}, "encoding": {"theta": {"field": "a"}}}
    assert vega_lite_to_plotly(spec, {}) is None


def test_specs_are_found_inline_or_by_url_in_tool_results():
    spec = {"mark": "line", "encoding": {}, "data": {"values": []}}
    assert find_spec({"spec": spec}) == spec
    assert find_spec(json.dumps({"vega_lite": spec})) == spec
    assert (
        find_spec({"url": "http://127.0.0.1:1/static/x_vega.json", "error": None})
        == "http://127.0.0.1:1/static/x_vega.json"
    )
    assert find_spec({"url": None, "error": "no data"}) is None


@contextlib.contextmanager
def static_server(folder: Path) -> Iterator[str]:
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


async def test_a_spec_stored_at_a_url_is_fetched_and_converted(tmp_path: Path):
    records = life_records()
    (tmp_path / "data.json").write_text(json.dumps(records))
    spec = altair_style_spec(
        "line",
        [],
        x={"field": "year", "type": "temporal"},
        y={"field": "value", "type": "quantitative"},
        color={"field": "country", "type": "nominal"},
    )
    with static_server(tmp_path) as base:
        spec["data"] = {"url": f"{base}/data.json"}
        (tmp_path / "chart_vega.json").write_text(json.dumps(spec))
        resolved = await load_spec({"url": f"{base}/chart_vega.json"}, time.monotonic() + 10)
        with pytest.raises(SpecUnavailable):
            await load_spec(f"{base}/missing.json", time.monotonic() + 10)
    assert resolved is not None
    chart = vega_lite_to_plotly(resolved, SOURCE)
    assert chart is not None
    assert sum(len(trace["x"]) for trace in chart.figure["data"]) == len(records)
    assert chart.figure["data"][0]["x"][0] == 2000  # 1 January dates read as years
