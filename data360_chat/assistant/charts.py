"""Plotly figures from observations: lines over time, sorted bars for one year, a scatter for two indicators.

Figures are plain Plotly JSON without a template (the UI applies its light or dark theme), so they stay small.
Each chart keeps every row behind it (for a CSV download) and a one-line summary (for screen readers).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from data360_chat.assistant.sources import describe_indicator, group_by_indicator, year_key
from data360_chat.geography import is_aggregate
from data360_chat.mcp_client.results import Observation

MAX_LINES = 12
MAX_BARS = 30
MAX_POINTS_PER_SERIES = 400
MAX_ROWS = 10_000
MAX_CHARTS = 4
PARENTHESES = re.compile(r"\(([^()]*)\)")
TRAILING_PARENTHESES = re.compile(r"(\s*\([^()]*\))+\s*$")
UNIT_MARKS = ("%", "US$", "LCU", "per ", "tons", "years", "kt", "kg")
LINK_TAG = re.compile(r"<(/?\s*a\b)", re.I)


def inert_links(value: Any) -> Any:
    """`value` with every `<a ...>` written out as text: Plotly turns such tags in any label into live links, and the
    labels of a figure come from tool data. Our own markup (`<br>`, `<sup>`, `<b>`) never uses them."""
    if isinstance(value, str):
        return LINK_TAG.sub(r"&lt;\1", value)
    if isinstance(value, dict):
        return {key: inert_links(item) for key, item in value.items()}
    if isinstance(value, list):
        return [inert_links(item) for item in value]
    return value


@dataclass(frozen=True)
class ChartSpec:
    """A chart ready to show and store: title, Plotly figure, the rows behind it, its source and a summary.

    The figure's labels can hold no links (`inert_links`), whoever built it.
    """

    title: str
    figure: dict[str, Any]
    rows: list[dict[str, Any]]
    source: dict[str, Any]
    summary: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "figure", inert_links(self.figure))

    @property
    def points(self) -> int:
        """Number of plotted points."""
        return sum(len(trace.get("x") or trace.get("y") or []) for trace in self.figure.get("data", []))


def unit_of(name: str, unit: str | None = None) -> str:
    """The unit of an indicator: given, or the parenthesis of its name that names one ("GDP (current US$)")."""
    if unit:
        return unit
    groups = [group.strip() for group in PARENTHESES.findall(name or "")]
    return next((g for g in reversed(groups) if any(mark in g for mark in UNIT_MARKS)), groups[-1] if groups else "")


def short_name(name: str) -> str:
    """The indicator name without its trailing parentheses (unit, method)."""
    return TRAILING_PARENTHESES.sub("", name or "").strip() or name


def value_format(values: Sequence[float]) -> str:
    """A d3 number format with as many decimals as the magnitude of the values calls for."""
    largest = max((abs(v) for v in values), default=0)
    decimals = 0 if largest >= 10_000 else 1 if largest >= 100 else 2
    return f",.{decimals}~f"


def format_value(value: float, unit: str = "") -> str:
    """A value as the charts and summaries write it."""
    decimals = 0 if abs(value) >= 10_000 else 1 if abs(value) >= 100 else 2
    text = f"{value:,.{decimals}f}"
    if decimals:
        text = text.rstrip("0").rstrip(".")
    return f"{text}%" if unit.startswith("%") or unit.endswith("%") else text


def year_span(years: Sequence[int | str]) -> str:
    """The years covered, as `2000–2023` (or one year)."""
    ordered = sorted(set(years), key=year_key)
    if not ordered:
        return ""
    return str(ordered[0]) if len(ordered) == 1 else f"{ordered[0]}–{ordered[-1]}"


def downsample(points: list[tuple[Any, float]], limit: int = MAX_POINTS_PER_SERIES) -> list[tuple[Any, float]]:
    """At most `limit` points, keeping the first, the last and each bucket's lowest and highest."""
    if len(points) <= limit:
        return points
    buckets = max(1, (limit - 2) // 2)
    size = (len(points) - 2) / buckets
    kept = [0]
    for number in range(buckets):
        bucket = range(1 + int(number * size), 1 + int((number + 1) * size))
        if bucket:
            low = min(bucket, key=lambda index: points[index][1])
            high = max(bucket, key=lambda index: points[index][1])
            kept.extend(sorted({low, high}))
    kept.append(len(points) - 1)
    return [points[index] for index in kept]


def rows_of(observations: Sequence[Observation]) -> list[dict[str, Any]]:
    """The data behind a chart, one row per observation, ordered by country and year."""
    ordered = sorted(observations, key=lambda o: (o.country_name or o.country_code, year_key(o.year)))
    return [
        {
            "indicator_id": o.indicator_id,
            "indicator": o.indicator_name,
            "database_id": o.database_id,
            "country_code": o.country_code,
            "country": o.country_name,
            "year": o.year,
            "value": o.value,
            "unit": unit_of(o.indicator_name, o.unit),
        }
        for o in ordered[:MAX_ROWS]
    ]


def _layout(title: str, subtitle: str, x_title: str, y_title: str, caption: str, **extra: Any) -> dict[str, Any]:
    return {
        "title": {"text": f"{title}<br><sup>{subtitle}</sup>" if subtitle else title, "x": 0, "xanchor": "left"},
        "xaxis": {"title": {"text": x_title}, "automargin": True},
        "yaxis": {"title": {"text": y_title}, "automargin": True},
        "legend": {"orientation": "h", "x": 0, "y": -0.2, "yanchor": "top"},
        "margin": {"l": 60, "r": 20, "t": 70, "b": 110},
        "annotations": [
            {
                "text": caption,
                "xref": "paper",
                "yref": "paper",
                "x": 0,
                "y": -0.38,
                "xanchor": "left",
                "yanchor": "top",
                "showarrow": False,
                "font": {"size": 10},
            }
        ],
        **extra,
    }


def _caption(source: dict[str, Any]) -> str:
    return f"Source: {source['attribution']} ({source['indicator_id']})"


def _countries_text(names: Sequence[str]) -> str:
    return ", ".join(names) if len(names) <= 4 else f"{len(names)} countries"


def line_chart(observations: Sequence[Observation]) -> ChartSpec:
    """One line per country over time."""
    first = observations[0]
    unit = unit_of(first.indicator_name, first.unit)
    source = describe_indicator(first.indicator_id, first.indicator_name, first.database_id, observations)
    number_format = value_format([o.value for o in observations])
    traces = []
    summaries = []
    by_country: dict[str, list[Observation]] = {}
    for observation in observations:
        by_country.setdefault(observation.country_code, []).append(observation)
    for series in by_country.values():
        series.sort(key=lambda o: year_key(o.year))
        name = series[0].country_name or series[0].country_code
        points = downsample([(o.year, o.value) for o in series])
        traces.append(
            {
                "type": "scatter",
                "mode": "lines+markers" if len(points) <= 40 else "lines",
                "name": name,
                "x": [x for x, _ in points],
                "y": [y for _, y in points],
                "hovertemplate": f"<b>{name}</b><br>%{{x}}: %{{y:{number_format}}} {unit}<extra></extra>",
            }
        )
        summaries.append(
            f"{name} from {format_value(series[0].value, unit)} in {series[0].year} "
            f"to {format_value(series[-1].value, unit)} in {series[-1].year}"
        )
    names = [trace["name"] for trace in traces]
    subtitle = f"{_countries_text(names)}, {year_span([o.year for o in observations])}"
    title = short_name(first.indicator_name)
    layout = _layout(title, subtitle, "Year", unit or title, _caption(source), hovermode="closest")
    layout["yaxis"]["tickformat"] = "~s" if max(abs(o.value) for o in observations) >= 1e6 else ""
    summary = f"{first.indicator_name}: " + "; ".join(summaries) + "."
    return ChartSpec(title, {"data": traces, "layout": layout}, rows_of(observations), source, summary)


def _latest_year(observations: Sequence[Observation]) -> int | str:
    """The most recent year with the most countries reporting (a straggler year with two countries loses)."""
    counts: dict[int | str, int] = {}
    for observation in observations:
        counts[observation.year] = counts.get(observation.year, 0) + 1
    best = max(counts.values())
    return max((year for year, count in counts.items() if count >= best / 2), key=year_key)


def bar_chart(observations: Sequence[Observation]) -> ChartSpec:
    """Countries in one year, sorted from highest to lowest (the top ones when there are many)."""
    year = _latest_year(observations)
    in_year = [o for o in observations if o.year == year]
    countries = [o for o in in_year if not is_aggregate(o.country_code)]
    if len(countries) >= 2:
        in_year = countries
    ranked = sorted(in_year, key=lambda o: o.value, reverse=True)
    shown = ranked[:MAX_BARS]
    first = shown[0]
    unit = unit_of(first.indicator_name, first.unit)
    source = describe_indicator(first.indicator_id, first.indicator_name, first.database_id, in_year)
    number_format = value_format([o.value for o in shown])
    names = [o.country_name or o.country_code for o in shown]
    trace = {
        "type": "bar",
        "orientation": "h",
        "x": [o.value for o in reversed(shown)],
        "y": list(reversed(names)),
        "hovertemplate": f"<b>%{{y}}</b><br>{year}: %{{x:{number_format}}} {unit}<extra></extra>",
    }
    title = short_name(first.indicator_name)
    subtitle = f"{year}" + (f", top {len(shown)} of {len(ranked)}" if len(ranked) > len(shown) else "")
    layout = _layout(title, subtitle, unit or title, "", _caption(source), showlegend=False)
    layout["height"] = max(320, 120 + 22 * len(shown))
    summary = (
        f"{first.indicator_name} in {year}: highest {names[0]} ({format_value(shown[0].value, unit)}), "
        f"lowest shown {names[-1]} ({format_value(shown[-1].value, unit)})."
    )
    return ChartSpec(title, {"data": [trace], "layout": layout}, rows_of(in_year), source, summary)


def scatter_chart(x_points: Sequence[Observation], y_points: Sequence[Observation]) -> ChartSpec | None:
    """Two indicators against each other, one point per country, in the year they share most countries."""
    pairs: dict[int | str, list[tuple[Observation, Observation]]] = {}
    y_by_key = {(o.country_code, str(o.year)): o for o in y_points}
    for x in x_points:
        y = y_by_key.get((x.country_code, str(x.year)))
        if y is not None and not is_aggregate(x.country_code):
            pairs.setdefault(x.year, []).append((x, y))
    if not pairs:
        return None
    year = max(pairs, key=lambda year: (len(pairs[year]), year_key(year)))
    matched = pairs[year]
    if len(matched) < 3:
        return None
    x0, y0 = matched[0]
    x_source = describe_indicator(x0.indicator_id, x0.indicator_name, x0.database_id, [x for x, _ in matched])
    y_source = describe_indicator(y0.indicator_id, y0.indicator_name, y0.database_id, [y for _, y in matched])
    names = [x.country_name or x.country_code for x, _ in matched]
    trace = {
        "type": "scatter",
        "mode": "markers",
        "x": [x.value for x, _ in matched],
        "y": [y.value for _, y in matched],
        "text": names,
        "hovertemplate": (
            f"<b>%{{text}}</b><br>{short_name(x0.indicator_name)}: %{{x:{value_format([x.value for x, _ in matched])}}}"
            f"<br>{short_name(y0.indicator_name)}: %{{y:{value_format([y.value for _, y in matched])}}}<extra></extra>"
        ),
    }
    title = f"{short_name(y0.indicator_name)} vs {short_name(x0.indicator_name)}"
    caption = f"{_caption(y_source)}; {_caption(x_source)[len('Source: ') :]}"
    layout = _layout(title, f"{year}, {len(matched)} countries", x0.indicator_name, y0.indicator_name, caption)
    layout["showlegend"] = False
    rows = [row for x, y in matched for row in rows_of([x, y])]
    summary = f"{title} in {year} for {len(matched)} countries."
    source = dict(y_source, related=[x_source])
    return ChartSpec(title, {"data": [trace], "layout": layout}, rows, source, summary)


def chart_for_indicator(observations: Sequence[Observation]) -> ChartSpec | None:
    """Lines for a few countries over time, bars for one year across countries; nothing for a single value."""
    countries = {o.country_code for o in observations}
    years = {str(o.year) for o in observations}
    if len(years) >= 2 and len(countries) <= MAX_LINES:
        return line_chart(observations)
    if len(countries) >= 2:
        return bar_chart(observations)
    return None


def charts_from_observations(observations: Sequence[Observation], *, limit: int = MAX_CHARTS) -> list[ChartSpec]:
    """The charts that show the fetched data best: a scatter for two indicators across countries, else one each."""
    groups = [points for points in group_by_indicator(observations).values() if points]
    if len(groups) == 2:
        first, second = groups
        cross_section = all(len({o.country_code for o in g}) > len({str(o.year) for o in g}) for g in groups)
        scatter = scatter_chart(first, second) if cross_section else None
        if scatter is not None:
            return [scatter]
    charts = [chart for chart in map(chart_for_indicator, groups) if chart is not None]
    return charts[:limit]
