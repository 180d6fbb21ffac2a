"""Vega-Lite specs (from `data360_get_viz_spec`, loaded by the MCP client) turned into Plotly figures.

Covers the common marks (line, bar, point, area, tick) and encodings (x, y, color, tooltip, titles, simple
aggregates, sorting), single views and layers. Anything else (arcs, maps, facets) is left to the observation charts.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Iterable
from typing import Any

from data360_chat.assistant.charts import ChartSpec, downsample

SUPPORTED_MARKS = {"line", "bar", "point", "circle", "square", "area", "tick"}
AGGREGATES: dict[str, Callable[[list[float]], float]] = {
    "sum": sum,
    "mean": statistics.fmean,
    "average": statistics.fmean,
    "median": statistics.median,
    "min": min,
    "max": max,
    "count": len,
}


def _records(data: Any, datasets: dict[str, Any]) -> list[dict[str, Any]] | None:
    if not isinstance(data, dict):
        return None
    if isinstance(data.get("values"), list):
        return [row for row in data["values"] if isinstance(row, dict)]
    if isinstance(data.get("name"), str) and isinstance(datasets.get(data["name"]), list):
        return [row for row in datasets[data["name"]] if isinstance(row, dict)]
    return None


def _field_value(row: dict[str, Any], field: str) -> Any:
    if field in row:
        return row[field]
    value: Any = row
    for part in field.replace("\\.", "\0").split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part.replace("\0", "."))
    return value


def _title(channel: dict[str, Any] | None) -> str:
    if not channel:
        return ""
    axis = channel.get("axis") or channel.get("legend") or {}
    title = channel.get("title", axis.get("title") if isinstance(axis, dict) else None)
    if isinstance(title, list):
        title = " ".join(map(str, title))
    return str(title) if title is not None else str(channel.get("field", "")).replace("_", " ").capitalize()


def _as_year_if_january_first(values: list[Any]) -> list[Any]:
    """ISO dates that are all 1 January (yearly data) read better as years."""
    if values and all(isinstance(v, str) and len(v) >= 10 and v[4:10] == "-01-01" for v in values):
        return [int(v[:4]) if v[:4].isdigit() else v for v in values]
    return values


def _number(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if number == number else None  # NaN is missing


def _aggregate(points: list[tuple[Any, Any, dict[str, Any]]], how: str | None) -> list[tuple[Any, Any, dict[str, Any]]]:
    if not how or how not in AGGREGATES:
        return points
    grouped: dict[Any, list[tuple[Any, Any, dict[str, Any]]]] = {}
    for point in points:
        grouped.setdefault(point[0], []).append(point)
    combine = AGGREGATES[how]
    return [(x, combine([v for _, v, _ in items if v is not None] or [0]), items[0][2]) for x, items in grouped.items()]


def _trace(
    mark: str, name: str | None, xs: list[Any], ys: list[Any], horizontal: bool, stacked: bool
) -> dict[str, Any]:
    trace: dict[str, Any] = {"x": xs, "y": ys}
    if name is not None:
        trace["name"] = name
    if mark == "bar":
        trace.update(type="bar", orientation="h" if horizontal else "v")
    elif mark == "area":
        trace.update(type="scatter", mode="lines", fill="tonexty" if stacked else "tozeroy")
        if stacked:
            trace["stackgroup"] = "one"
    elif mark == "line":
        trace.update(type="scatter", mode="lines+markers" if len(xs) <= 40 else "lines")
    else:
        trace.update(type="scatter", mode="markers")
    return trace


def _hover(tooltip: Any, value_axis: str) -> tuple[list[str], str]:
    """Tooltip fields and the matching hovertemplate (custom data holds their values)."""
    entries = tooltip if isinstance(tooltip, list) else [tooltip] if isinstance(tooltip, dict) else []
    fields = [entry["field"] for entry in entries if isinstance(entry, dict) and entry.get("field")]
    if not fields:
        return [], f"%{{x}}: %{{{value_axis}}}<extra>%{{fullData.name}}</extra>"
    lines = [f"{field}: %{{customdata[{index}]}}" for index, field in enumerate(fields)]
    return fields, "<br>".join(lines) + "<extra></extra>"


def _view_traces(view: dict[str, Any], records: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Traces of one single-mark view and the axis facts it implies."""
    mark = view.get("mark")
    mark_type = (mark.get("type") if isinstance(mark, dict) else mark) or ""
    encoding = view.get("encoding") or {}
    x, y = encoding.get("x") or {}, encoding.get("y") or {}
    if mark_type not in SUPPORTED_MARKS or not x.get("field") or not y.get("field"):
        return [], {}
    mark_type = {"circle": "point", "square": "point", "tick": "point"}.get(mark_type, mark_type)
    horizontal = mark_type == "bar" and x.get("type") == "quantitative" and y.get("type") != "quantitative"
    category, value = (y, x) if horizontal else (x, y)
    color = encoding.get("color") or {}
    color_field = color.get("field")
    tooltip_fields, hovertemplate = _hover(encoding.get("tooltip"), "x" if horizontal else "y")
    series: dict[str | None, list[tuple[Any, Any, dict[str, Any]]]] = {}
    for row in records:
        key = str(_field_value(row, color_field)) if color_field else None
        series.setdefault(key, []).append(
            (_field_value(row, category["field"]), _number(_field_value(row, value["field"])), row)
        )
    stacked = mark_type in ("bar", "area") and color_field is not None and value.get("stack", "zero") is not None
    traces = []
    for name, points in series.items():
        points = _aggregate(points, value.get("aggregate"))
        if category.get("type") in ("temporal", "quantitative", "ordinal") and mark_type != "bar":
            points.sort(key=lambda point: (point[0] is None, str(point[0]) if point[0] is not None else ""))
        points = [point for point in points if point[1] is not None]
        reduced = downsample([(index, point[1]) for index, point in enumerate(points)])
        points = [points[index] for index, _ in reduced]
        categories = _as_year_if_january_first([point[0] for point in points])
        values = [point[1] for point in points]
        xs, ys = (values, categories) if horizontal else (categories, values)
        trace = _trace(mark_type, name, xs, ys, horizontal, stacked)
        trace["hovertemplate"] = hovertemplate
        if tooltip_fields:
            trace["customdata"] = [[_field_value(point[2], field) for field in tooltip_fields] for point in points]
        traces.append(trace)
    facts = {
        "x_title": _title(x),
        "y_title": _title(y),
        "legend_title": _title(color) if color_field else "",
        "barmode": "stack" if stacked and mark_type == "bar" else "group",
        "sort": category.get("sort"),
        "horizontal": horizontal,
    }
    return traces, facts


def _views(spec: dict[str, Any]) -> Iterable[dict[str, Any]]:
    """Single views, each with the data and encoding inherited from the top level."""
    if "layer" not in spec:
        yield spec
        return
    for layer in spec["layer"]:
        if isinstance(layer, dict):
            encoding = {**(spec.get("encoding") or {}), **(layer.get("encoding") or {})}
            yield {**layer, "data": layer.get("data", spec.get("data")), "encoding": encoding}


def _spec_title(spec: dict[str, Any]) -> str:
    title = spec.get("title")
    if isinstance(title, dict):
        title = title.get("text")
    if isinstance(title, list):
        title = " ".join(map(str, title))
    return str(title or "Chart")


def vega_lite_to_plotly(spec: dict[str, Any], source: dict[str, Any]) -> ChartSpec | None:
    """A Plotly chart for the spec, or None when it uses marks or data this converter does not handle."""
    datasets = spec.get("datasets") if isinstance(spec.get("datasets"), dict) else {}
    traces: list[dict[str, Any]] = []
    rows: list[dict[str, Any]] = []
    facts: dict[str, Any] = {}
    for view in _views(spec):
        records = _records(view.get("data"), datasets)
        if records is None:
            continue
        view_traces, view_facts = _view_traces(view, records)
        if view_traces:
            traces.extend(view_traces)
            facts = facts or view_facts
            rows = rows or records
    if not traces:
        return None
    title = _spec_title(spec)
    layout: dict[str, Any] = {
        "title": {"text": title, "x": 0, "xanchor": "left"},
        "xaxis": {"title": {"text": facts["x_title"]}, "automargin": True},
        "yaxis": {"title": {"text": facts["y_title"]}, "automargin": True},
        "legend": {"title": {"text": facts["legend_title"]}, "orientation": "h", "x": 0, "y": -0.2},
        "barmode": facts["barmode"],
        "showlegend": len(traces) > 1,
        "margin": {"l": 60, "r": 20, "t": 60, "b": 100},
    }
    if facts["sort"] in ("-x", "-y", "x", "y", "descending", "ascending"):
        order = "descending" if str(facts["sort"]).startswith(("-", "desc")) else "ascending"
        axis = "yaxis" if facts["horizontal"] else "xaxis"
        layout[axis]["categoryorder"] = f"total {order}"
    if source.get("attribution"):
        layout["annotations"] = [
            {
                "text": f"Source: {source['attribution']} ({source.get('indicator_id', '')})",
                "xref": "paper",
                "yref": "paper",
                "x": 0,
                "y": -0.35,
                "xanchor": "left",
                "showarrow": False,
                "font": {"size": 10},
            }
        ]
    summary = f"{title}: {sum(len(t['x']) for t in traces)} points in {len(traces)} series."
    return ChartSpec(title, {"data": traces, "layout": layout}, rows[:10_000], source, summary)
