"""What the chat page shows, as plain data: messages, tool steps, charts and sources, built from the conversation
read model or from a running answer's updates. No Reflex here; the UI's states hold these and its components
render them."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from data360_chat.assistant.events import ChartReady
from data360_chat.assistant.offline_model import OFFLINE_MODEL
from data360_chat.assistant.sources import uploaded_file
from data360_chat.db.models import Chart, Chat, ToolCall
from data360_chat.repositories.conversations import Turn
from data360_chat.streams.state import ToolStep
from data360_chat.web.safe_markdown import safe_markdown

ARGS_PREVIEW = 60
TABLE_ROWS = 60
CSV_ROUTE = "/api/v1/charts/{chart_id}.csv"


@dataclass
class ToolView:
    """One tool step as a compact row: name, short arguments, duration, error; `details` when expanded."""

    call_id: str = ""
    name: str = ""
    args: str = ""
    details: str = ""
    status: str = "running"
    duration: str = ""
    error: str = ""


@dataclass
class ChartView:
    """A chart with its summary, source, unit, definition and the first rows of its data as a table."""

    key: str = ""
    title: str = ""
    figure: dict[str, Any] = field(default_factory=dict)
    summary: str = ""
    unit: str = ""
    definition: str = ""
    source_name: str = ""
    source_url: str = ""
    csv_url: str = ""
    columns: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    more_rows: int = 0


@dataclass
class SourceView:
    """A source chip: the indicator's name, id and database, linking to its page; or a series of the person's own
    upload ("Your upload: file.csv · series", no link)."""

    label: str = ""
    title: str = ""
    url: str = ""
    upload: bool = False


@dataclass
class NumberView:
    """One number of an answer and where it was found: `kind` is `data`, `derived` or `unverified`."""

    text: str = ""
    kind: str = "unverified"
    where: str = ""


ENDINGS = {
    "cut_off": ("Cut off", "The connection to the model closed before the answer was finished."),
    "too_long": ("Too long", "The model reached its length limit before finishing this answer."),
    "filtered": ("Filtered", "The model provider's content filter stopped this answer."),
}
NOT_FOUND = "not found in the data"
DERIVED_PREFIX = "derived: "


@dataclass
class MessageView:
    """A question or an answer as shown in the conversation; `ending` labels an answer cut short."""

    id: int = 0
    role: str = "user"
    content: str = ""
    status: str = "complete"
    error: str = ""
    ending: str = ""
    ending_detail: str = ""
    meta: str = ""
    offline: bool = False
    ungrounded: str = ""
    numbers: list[NumberView] = field(default_factory=list)
    numbers_summary: str = ""
    tools: list[ToolView] = field(default_factory=list)
    charts: list[ChartView] = field(default_factory=list)
    sources: list[SourceView] = field(default_factory=list)
    rating: int = 0


def short_args(arguments: dict[str, Any] | None) -> str:
    """`key=value, ...` cut to a line."""
    text = ", ".join(f"{key}={json.dumps(value, ensure_ascii=False)}" for key, value in (arguments or {}).items())
    return text if len(text) <= ARGS_PREVIEW else text[: ARGS_PREVIEW - 1] + "…"


def duration_text(milliseconds: int | None) -> str:
    """`420 ms` or `1.3 s`."""
    if milliseconds is None:
        return ""
    return f"{milliseconds} ms" if milliseconds < 1000 else f"{milliseconds / 1000:.1f} s"


def tool_view(
    call_id: str, name: str, arguments: dict[str, Any] | None, status: str, duration_ms: int | None, error: str | None
) -> ToolView:
    """A tool step for the page."""
    details = json.dumps(arguments or {}, indent=2, ensure_ascii=False)
    return ToolView(
        call_id=call_id,
        name=name,
        args=short_args(arguments),
        details=details,
        status=status,
        duration=duration_text(duration_ms),
        error=error or "",
    )


def tool_from_step(step: ToolStep) -> ToolView:
    """A running answer's tool step for the page."""
    return tool_view(step.call_id, step.name, step.arguments, step.status, step.duration_ms, step.error)


def tool_from_row(call: ToolCall) -> ToolView:
    """A stored tool call for the page."""
    return tool_view(call.call_id, call.tool_name, call.arguments, call.status, call.duration_ms, call.error)


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.4g}" if abs(value) < 1e6 else f"{value:,.0f}"
    return "" if value is None else str(value)


def rows_summary(title: str, rows: Sequence[dict[str, Any]]) -> str:
    """A one-line summary of a chart's rows: per country, first and last value."""
    series: dict[str, list[dict[str, Any]]] = {}
    several = len({row.get("indicator_id") for row in rows}) > 1  # e.g. an upload charted beside Data360
    for row in rows:
        place = str(row.get("country") or row.get("country_code") or "")
        series.setdefault(f"{place} ({row.get('indicator')})" if several else place, []).append(row)
    unit = next((str(row["unit"]) for row in rows if row.get("unit")), "")
    parts = []
    for country, points in list(series.items())[:6]:
        points.sort(key=lambda row: str(row.get("year")))
        first, last = points[0], points[-1]
        if first is last:
            parts.append(f"{country} {_cell(first.get('value'))} in {first.get('year')}")
        else:
            parts.append(
                f"{country} from {_cell(first.get('value'))} in {first.get('year')} "
                f"to {_cell(last.get('value'))} in {last.get('year')}"
            )
    more = f" and {len(series) - 6} more" if len(series) > 6 else ""
    return f"{title}{f' ({unit})' if unit else ''}: " + "; ".join(parts) + more + "."


def chart_view(
    key: str,
    chart_id: int | None,
    title: str,
    figure: dict[str, Any],
    source: dict[str, Any] | None,
    rows: Sequence[dict[str, Any]],
    summary: str = "",
) -> ChartView:
    """A chart for the page (the table shows the first `TABLE_ROWS` rows; the CSV has all of them)."""
    source = source or {}
    columns = ["country", "year", "value"]
    unit = next((str(row["unit"]) for row in rows if row.get("unit")), "")
    return ChartView(
        key=key,
        title=title,
        figure=figure,
        summary=summary or (rows_summary(title, rows) if rows else title),
        unit=unit,
        definition=str(source.get("definition") or ""),
        source_name=" · ".join(str(part) for part in (source.get("name"), source.get("database")) if part),
        source_url=str(source.get("url") or ""),
        csv_url=CSV_ROUTE.format(chart_id=chart_id) if chart_id is not None else "",
        columns=columns,
        rows=[[_cell(row.get(column)) for column in columns] for row in rows[:TABLE_ROWS]],
        more_rows=max(0, len(rows) - TABLE_ROWS),
    )


def chart_from_row(chart: Chart) -> ChartView:
    """A stored chart for the page."""
    return chart_view(f"c{chart.id}", chart.id, chart.title, chart.figure, chart.source, chart.data)


def chart_from_event(event: ChartReady, index: int, rows: Sequence[dict[str, Any]] = ()) -> ChartView:
    """A chart of a running answer (its rows come with the stored chart once the answer is done)."""
    key = f"c{event.chart_id}" if event.chart_id is not None else f"live{index}"
    return chart_view(key, event.chart_id, event.title, event.figure, event.source, rows, event.summary)


def source_views(sources: Iterable[dict[str, Any]] | None) -> list[SourceView]:
    """Source chips."""
    views = []
    for source in sources or []:
        name = str(source.get("name") or source.get("indicator_id") or "Source")
        years = "–".join(
            str(year) for year in dict.fromkeys((source.get("start_year"), source.get("end_year"))) if year
        )
        filename = uploaded_file(str(source.get("database_id") or ""))
        label = f"Your upload: {filename} · {name}" if filename is not None else name
        views.append(
            SourceView(
                label=label if len(label) <= 60 else label[:59] + "…",
                upload=filename is not None,
                title=" · ".join(
                    str(p) for p in (name, source.get("indicator_id"), source.get("database"), years) if p
                ),
                url=str(source.get("url") or ""),
            )
        )
    return views


def meta_text(
    model: str,
    prompt_tokens: int | None,
    completion_tokens: int | None,
    latency_ms: int | None,
    tools: Sequence[ToolView],
) -> str:
    """`model · 1,234 + 321 tokens · 2.4 s · search 120 ms, data 340 ms`."""
    parts = [model] if model else []
    if prompt_tokens is not None or completion_tokens is not None:
        parts.append(f"{prompt_tokens or 0:,} + {completion_tokens or 0:,} tokens")
    if latency_ms:
        parts.append(duration_text(latency_ms))
    timed = [f"{tool.name} {tool.duration}" for tool in tools if tool.duration]
    if timed:
        parts.append(", ".join(timed))
    return " · ".join(parts)


def number_views(checks: Sequence[dict[str, Any]] | None) -> list[NumberView]:
    """The stored check of each number, as the "Numbers checked" list shows it (a computed number's `where` without
    its `derived: ` prefix: the row is tagged instead)."""
    return [
        NumberView(
            str(check.get("text", "")),
            str(check.get("kind", "")),
            str(check.get("where") or NOT_FOUND).removeprefix(DERIVED_PREFIX),
        )
        for check in checks or []
    ]


def numbers_summary(numbers: Sequence[NumberView]) -> str:
    """`Numbers checked: 5 of 6 found in the data` (empty when the answer has no numbers)."""
    if not numbers:
        return ""
    found = sum(number.kind != "unverified" for number in numbers)
    return f"Numbers checked: {found} of {len(numbers)} found in the data"


def ungrounded_text(grounded_share: float | None, numbers: Sequence[str] = ()) -> str:
    """A warning when some numbers of the answer were not found in the data (empty when all were)."""
    if numbers:
        shown = ", ".join(numbers[:5])
        return f"Some numbers were not found in the data: {shown}. Check them against the sources."
    if grounded_share is not None and grounded_share < 1.0:
        return f"Only {grounded_share:.0%} of the numbers were found in the data. Check them against the sources."
    return ""


def turn_view(turn: Turn) -> MessageView:
    """A stored message (with its tool calls, charts and the user's rating) for the page."""
    message = turn.message
    if message.role == "user":
        return MessageView(id=turn.id, role="user", content=message.content)
    tools = [tool_from_row(call) for call in turn.tool_calls]
    numbers = number_views(message.number_checks)
    ending, ending_detail = ENDINGS.get(message.status, ("", ""))
    return MessageView(
        id=turn.id,
        role="assistant",
        content=safe_markdown(message.content),
        status=message.status,
        error=message.error or "",
        ending=ending,
        ending_detail=ending_detail,
        meta=meta_text(message.model or "", message.prompt_tokens, message.completion_tokens, message.latency_ms, tools)
        if message.status != "streaming"
        else "",
        offline=(message.model or "") == OFFLINE_MODEL,
        ungrounded=ungrounded_text(message.grounded_share, [n.text for n in numbers if n.kind == "unverified"]),
        numbers=numbers,
        numbers_summary=numbers_summary(numbers),
        tools=tools,
        charts=[chart_from_row(chart) for chart in turn.charts],
        sources=source_views(message.sources),
        rating=turn.feedback.rating if turn.feedback is not None else 0,
    )


@dataclass
class ChatItem:
    """A chat in the sidebar."""

    id: str = ""
    title: str = ""
    when: str = ""


def chat_item(chat: Chat) -> ChatItem:
    """A sidebar entry."""
    return ChatItem(id=str(chat.id), title=chat.title, when=chat.updated_at.strftime("%d %b %Y"))
