"""Plotly figures (plain JSON, no template: the page applies its light or dark theme) for the usage dashboards."""

from __future__ import annotations

from typing import Any

from data360_chat.admin.usage import Rows

Figure = dict[str, Any]
INDIGO, TEAL, AMBER, RED, GRAY = "#3e63dd", "#12a594", "#ffb224", "#e5484d", "#8b8d98"
STATUS_COLORS = {"complete": TEAL, "error": RED, "cancelled": GRAY, "cut_off": AMBER, "too_long": AMBER}


def _layout(x_title: str = "", y_title: str = "", **extra: Any) -> dict[str, Any]:
    return {
        "xaxis": {"title": {"text": x_title}, "automargin": True},
        "yaxis": {"title": {"text": y_title}, "automargin": True, "rangemode": "tozero"},
        "legend": {"orientation": "h", "x": 0, "y": 1.12, "yanchor": "bottom", "traceorder": "normal"},
        "margin": {"l": 50, "r": 20, "t": 30, "b": 40},
        "hovermode": "x unified",
        "bargap": 0.25,
        **extra,
    }


def _counts(*series: list[int]) -> dict[str, Any]:
    """An axis of counts: whole-number ticks while the counts are small."""
    largest = max((abs(value) for values in series for value in values), default=0)
    return {"automargin": True, "rangemode": "tozero", **({"dtick": 1} if largest <= 8 else {})}


def _days(rows: Rows) -> list[str]:
    return [row["day"].isoformat() for row in rows]


def activity(rows: Rows) -> Figure:
    """Questions per day as bars, active people as a line."""
    days, questions = _days(rows), [r["questions"] for r in rows]
    return {
        "data": [
            {
                "type": "bar",
                "name": "Questions",
                "x": days,
                "y": questions,
                "marker": {"color": INDIGO},
            },
            {
                "type": "scatter",
                "mode": "lines+markers",
                "name": "Active users",
                "x": days,
                "y": [r["active_users"] for r in rows],
                "line": {"color": TEAL, "width": 2},
            },
        ],
        "layout": _layout(yaxis=_counts(questions)),
    }


def models(rows: Rows) -> Figure:
    """Prompt and completion tokens by model, stacked."""
    names = [r["model"] for r in rows]
    return {
        "data": [
            {
                "type": "bar",
                "name": "Prompt tokens",
                "x": names,
                "y": [r["prompt_tokens"] for r in rows],
                "marker": {"color": INDIGO},
            },
            {
                "type": "bar",
                "name": "Completion tokens",
                "x": names,
                "y": [r["completion_tokens"] for r in rows],
                "marker": {"color": TEAL},
            },
        ],
        "layout": _layout(y_title="Tokens", barmode="stack", hovermode="closest"),
    }


def timings(rows: Rows) -> Figure:
    """Median and 95th percentile of time to first token and answer time per day, in seconds."""
    days = _days(rows)
    lines = (
        ("first_token_p50", "First token p50", INDIGO, "solid"),
        ("first_token_p95", "First token p95", INDIGO, "dot"),
        ("answer_p50", "Answer p50", TEAL, "solid"),
        ("answer_p95", "Answer p95", TEAL, "dot"),
    )
    return {
        "data": [
            {
                "type": "scatter",
                "mode": "lines+markers",
                "name": label,
                "x": days,
                "y": [r[key] / 1000 if r[key] is not None else None for r in rows],
                "line": {"color": color, "dash": dash, "width": 2},
                "connectgaps": False,
            }
            for key, label, color, dash in lines
        ],
        "layout": _layout(y_title="Seconds"),
    }


def tools(rows: Rows) -> Figure:
    """Calls per tool, the failed ones in red."""
    names = [r["tool"] for r in rows][::-1]
    ok = [r["calls"] - r["failures"] for r in rows][::-1]
    failed = [r["failures"] for r in rows][::-1]
    return {
        "data": [
            {"type": "bar", "orientation": "h", "name": "Succeeded", "y": names, "x": ok, "marker": {"color": TEAL}},
            {"type": "bar", "orientation": "h", "name": "Failed", "y": names, "x": failed, "marker": {"color": RED}},
        ],
        "layout": _layout(
            barmode="stack", hovermode="y unified", xaxis={**_counts(ok, failed), "title": {"text": "Calls"}}
        ),
    }


def statuses(rows: Rows) -> Figure:
    """Answers by status, as a ring."""
    return {
        "data": [
            {
                "type": "pie",
                "hole": 0.55,
                "labels": [r["label"] for r in rows],
                "values": [r["answers"] for r in rows],
                "marker": {"colors": [STATUS_COLORS.get(r["status"], INDIGO) for r in rows]},
                "sort": False,
                "textinfo": "percent",
            }
        ],
        "layout": {"margin": {"l": 10, "r": 10, "t": 20, "b": 20}, "legend": {"orientation": "v"}},
    }


def feedback(rows: Rows) -> Figure:
    """Thumbs up and down per day."""
    days, up, down = _days(rows), [r["up"] for r in rows], [-r["down"] for r in rows]
    return {
        "data": [
            {"type": "bar", "name": "Up", "x": days, "y": up, "marker": {"color": TEAL}},
            {"type": "bar", "name": "Down", "x": days, "y": down, "marker": {"color": RED}},
        ],
        "layout": _layout(barmode="relative", yaxis={**_counts(up, down), "rangemode": "normal"}),
    }


def grounding(rows: Rows) -> Figure:
    """The share of checked numbers found in the data, per day."""
    days = _days(rows)
    shares = [r["grounded"] / r["numbers"] if r["numbers"] else None for r in rows]
    return {
        "data": [
            {
                "type": "scatter",
                "mode": "lines+markers",
                "name": "Found in the data",
                "x": days,
                "y": shares,
                "line": {"color": INDIGO, "width": 2},
                "fill": "tozeroy",
                "fillcolor": "rgba(62, 99, 221, 0.12)",
            }
        ],
        "layout": _layout(yaxis={"tickformat": ".0%", "range": [0, 1.05], "automargin": True}),
    }


def ranking(rows: Rows, key: str) -> Figure:
    """Calls per indicator or country, most asked on top."""
    calls = [r["calls"] for r in rows][::-1]
    return {
        "data": [
            {
                "type": "bar",
                "orientation": "h",
                "y": [r[key] for r in rows][::-1],
                "x": calls,
                "marker": {"color": INDIGO},
                "name": "Calls",
            }
        ],
        "layout": _layout(
            hovermode="closest", showlegend=False, xaxis={**_counts(calls), "title": {"text": "Tool calls"}}
        ),
    }


def all_figures(tables: dict[str, Rows]) -> dict[str, Figure]:
    """A figure for each dashboard that has one."""
    return {
        "activity": activity(tables["activity"]),
        "models": models(tables["models"]),
        "timings": timings(tables["timings"]),
        "tools": tools(tables["tools"]),
        "statuses": statuses(tables["statuses"]),
        "feedback": feedback(tables["feedback"]),
        "grounding": grounding(tables["grounding"]),
        "indicators": ranking(tables["indicators"], "indicator"),
        "countries": ranking(tables["countries"], "country"),
    }
