"""Vega-Lite charts of an indicator's rows, as `data360_get_viz_spec` makes them, the kinds it makes, and the
store the specs are fetched from (`GET /charts/{id}`), since the public server answers with a spec's URL."""

from __future__ import annotations

import uuid
from collections import OrderedDict
from typing import Any

MAX_CHART_POINTS = 2000
KEPT_SPECS = 500
CHART_TYPES = {
    "line": ("Line chart for trends over time.", "A time field (TIME_PERIOD) and OBS_VALUE."),
    "bar": ("Bar chart comparing values across countries or years.", "One categorical field and OBS_VALUE."),
    "point": ("Scatter plot for the relation of two measures.", "Two quantitative fields."),
    "area": ("Area chart for volumes over time.", "TIME_PERIOD and OBS_VALUE."),
    "tick": ("Tick plot for a distribution.", "One quantitative field."),
}


class SpecStore:
    """The latest specs made, by id (the oldest are forgotten past `KEPT_SPECS`)."""

    def __init__(self, size: int = KEPT_SPECS) -> None:
        self._specs: OrderedDict[str, dict[str, Any]] = OrderedDict()
        self._size = size

    def keep(self, spec: dict[str, Any]) -> str:
        """Store a spec; its id."""
        key = uuid.uuid4().hex
        self._specs[key] = spec
        while len(self._specs) > self._size:
            self._specs.popitem(last=False)
        return key

    def get(self, key: str) -> dict[str, Any] | None:
        """A stored spec, or None."""
        return self._specs.get(key)


def viz_spec(rows: list[dict[str, Any]], chart_type: str | None) -> dict[str, Any] | str:
    """A Vega-Lite spec for these rows, or an error that says what to change."""
    if not rows:
        return "No data for these countries and years."
    if len(rows) > MAX_CHART_POINTS:
        return (
            f"{len(rows)} points are too many for one chart (at most {MAX_CHART_POINTS}): "
            "give country_code (ISO3 codes, comma-separated) or a shorter range of years."
        )
    kind = _chart_kind(chart_type, rows)
    if kind not in CHART_TYPES:
        return kind
    name = rows[0]["INDICATOR_LABEL"]
    values = [{"country": row["REF_AREA_LABEL"], "year": row["TIME_PERIOD"], "value": row["OBS_VALUE"]} for row in rows]
    countries = {row["REF_AREA"] for row in rows}
    if kind == "bar" and len({row["TIME_PERIOD"] for row in rows}) == 1:
        encoding: dict[str, Any] = {
            "x": {"field": "country", "type": "nominal", "sort": "-y", "title": None},
            "y": {"field": "value", "type": "quantitative", "title": name},
        }
    else:
        encoding = {
            "x": {"field": "year", "type": "temporal" if kind != "bar" else "ordinal", "title": "Year"},
            "y": {"field": "value", "type": "quantitative", "title": name},
        }
        if len(countries) > 1:
            encoding["color"] = {"field": "country", "type": "nominal", "title": "Country"}
    encoding["tooltip"] = [
        {"field": "country", "type": "nominal"},
        {"field": "year", "type": "ordinal"},
        {"field": "value", "type": "quantitative", "title": name},
    ]
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "title": name,
        "data": {"values": values},
        "mark": {"type": kind, "tooltip": True} if kind != "tick" else "tick",
        "encoding": encoding,
    }


def supported_chart_types() -> dict[str, Any]:
    """The chart types data360_get_viz_spec makes and what data each needs."""
    return {
        "chart_types": [
            {"id": kind, "description": description, "data_requirements": needs}
            for kind, (description, needs) in CHART_TYPES.items()
        ],
        "guidance": "Pass chart_type (e.g. 'line' or 'bar chart') to data360_get_viz_spec.",
    }


def _chart_kind(chart_type: str | None, rows: list[dict]) -> str:
    """A Vega-Lite mark from the words asked for, or (not one of `CHART_TYPES`) why none fits."""
    if chart_type:
        words = str(chart_type).lower().replace("chart", " ").replace("plot", " ").split()
        kind = (
            {"scatter": "point", "column": "bar", "lines": "line", "bars": "bar"}.get(words[0], words[0])
            if words
            else ""
        )
        if kind not in CHART_TYPES:
            return f"Unknown chart_type {str(chart_type)[:40]!r}. Valid: {', '.join(CHART_TYPES)}."
        return kind
    return "line" if len({row["TIME_PERIOD"] for row in rows}) > 1 else "bar"
