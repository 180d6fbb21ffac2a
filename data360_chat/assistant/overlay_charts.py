"""An answer's charts when it used the person's uploads: a series of an upload drawn in the same chart as a Data360
indicator whose countries and years it shares (the upload's lines dashed, on their own axis on the right); the
rest charted as usual."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from data360_chat.assistant.charts import MAX_LINES, ChartSpec, charts_from_observations, line_chart, short_name
from data360_chat.assistant.sources import group_by_indicator, uploaded_file
from data360_chat.mcp_client.results import Observation

SHARED_POINTS = 2


def _keys(points: Sequence[Observation]) -> set[tuple[str, str]]:
    return {(o.country_code, str(o.year)) for o in points}


def _is_time_series(points: Sequence[Observation]) -> bool:
    return len({str(o.year) for o in points}) >= 2 and len({o.country_code for o in points}) <= MAX_LINES


def overlay_chart(data360: Sequence[Observation], upload: Sequence[Observation]) -> ChartSpec:
    """Lines of a Data360 indicator (left axis) and of an uploaded series (dashed, right axis) for their shared
    countries."""
    countries = {o.country_code for o in upload}
    base = line_chart([o for o in data360 if o.country_code in countries])
    mine = line_chart(upload)
    filename = uploaded_file(upload[0].database_id) or ""
    traces = [dict(trace, name=f"{trace['name']} · Data360") for trace in base.figure["data"]]
    for trace in mine.figure["data"]:
        line = {**trace.get("line", {}), "dash": "dash"}
        traces.append(dict(trace, name=f"{trace['name']} · your upload", yaxis="y2", line=line))
    layout: dict[str, Any] = dict(base.figure["layout"])
    title = f"{short_name(data360[0].indicator_name)} and {mine.title}"
    subtitle = base.figure["layout"]["title"]["text"].partition("<sup>")[2].removesuffix("</sup>")
    layout["title"] = {**layout["title"], "text": f"{title}<br><sup>{subtitle}</sup>"}
    right = mine.figure["layout"]["yaxis"]
    layout["yaxis2"] = {**right, "overlaying": "y", "side": "right", "showgrid": False}
    layout["margin"] = {**layout["margin"], "r": 70}
    caption = base.figure["layout"]["annotations"][0]
    layout["annotations"] = [{**caption, "text": f"{caption['text']}; your upload ({filename})"}]
    source = dict(base.source, related=[mine.source])
    summary = f"{base.summary} {mine.summary}"
    return ChartSpec(title, {"data": traces, "layout": layout}, base.rows + mine.rows, source, summary)


def answer_charts(observations: Sequence[Observation]) -> list[ChartSpec]:
    """The charts of an answer's data: each uploaded series beside the Data360 indicator it overlaps most."""
    groups = group_by_indicator(observations)
    uploads = [key for key in groups if uploaded_file(key[0]) is not None]
    used: set[tuple[str, str]] = set()
    charts = []
    for upload_key in uploads:
        upload = groups[upload_key]
        candidates = [
            (len(_keys(points) & _keys(upload)), key)
            for key, points in groups.items()
            if key not in used and uploaded_file(key[0]) is None and _is_time_series(points)
        ]
        shared, best = max(candidates, default=(0, None))
        if best is not None and shared >= SHARED_POINTS and _is_time_series(upload):
            charts.append(overlay_chart(groups[best], upload))
            used.update({best, upload_key})
    rest = [o for o in observations if (o.database_id, o.indicator_id) not in used]
    return charts + charts_from_observations(rest)
