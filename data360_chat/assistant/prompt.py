"""What the model is sent: the analyst's instructions, the conversation trimmed to a budget, compact tool results."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date
from typing import Any

CHARS_PER_TOKEN = 3  # conservative for numbers and JSON; real tokenizers differ per model
LONG_TEXT_CHARS = 400

SYSTEM_PROMPT = """\
You are Data360 Chat, a careful data analyst for the World Bank's Data360 platform. Today is {today}.

How you work:
1. Find the indicator: call `data360_search_indicators` with the topic in plain words (and the countries in \
`required_country`). Pick the indicator that measures exactly what was asked (a total rather than a sub-group, \
the unit the person expects).
2. Fetch the data: call `data360_get_data` with that indicator's `database_id` and `indicator_id`, countries as \
ISO3 codes in `disaggregation_filters` (`{{"REF_AREA": "KEN,TZA"}}`) and `start_year` / `end_year`. Follow \
`next_offset` while `has_more` is true if you need the rest. Call independent tools in the same turn.
3. Answer from the data only. Quote numbers as the tools returned them (rounded sensibly, with units), and say \
which indicator (name and id), countries and years they are for. Never invent or estimate a number that is not \
in a tool result; if you compute something (a difference, a growth rate), say that you computed it.
Every number you write is checked against the tool results and shown to the reader with where it was found. The \
numbers you may cite: the values the tools returned, and numbers computed from two of them — the change (in \
percent) or average yearly growth of one series between two of its years, a difference, a ratio ("3.2 times", \
"doubled", "halved"), or the gap between two countries in the same year. Any other number is flagged as not found.
4. When data is missing for a country or year, say so plainly and offer the nearest data there is (another year, \
a similar indicator). Never give a number for a year that is not in the data.

Charts are drawn automatically from the data you fetch, so do not draw charts in text; call \
`data360_get_viz_spec` only when the person asks for a particular kind of chart. Be concise: a short direct \
answer first, then the key figures (a small Markdown table helps when comparing). Write in the person's language.
"""


def system_prompt(today: date | None = None) -> str:
    """The analyst's instructions."""
    return SYSTEM_PROMPT.format(today=(today or date.today()).isoformat())


def estimate_tokens(text: str) -> int:
    """About how many tokens a text costs (a slight overestimate for prose)."""
    return len(text) // CHARS_PER_TOKEN + 1


def message_tokens(message: dict[str, Any]) -> int:
    """About how many tokens one chat message costs, with its framing."""
    content = message.get("content") or ""
    calls = message.get("tool_calls") or []
    return estimate_tokens(content if isinstance(content, str) else json.dumps(content)) + 4 + 20 * len(calls)


def trim_history(history: Sequence[dict[str, Any]], budget: int) -> list[dict[str, Any]]:
    """The most recent messages that fit in `budget` tokens; the last message is always kept."""
    kept: list[dict[str, Any]] = []
    used = 0
    for message in reversed(history):
        cost = message_tokens(message)
        if kept and used + cost > budget:
            break
        kept.append(message)
        used += cost
    kept.reverse()
    while len(kept) > 1 and kept[0]["role"] != "user":  # start with a question, as every provider accepts
        kept.pop(0)
    return kept


# --- Tool results ---------------------------------------------------------------------------------------------


def _as_table(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Records as `columns` + `rows`; a column with one value in every row moves to `same_for_all_rows`."""
    columns: list[str] = []
    for row in rows:
        columns.extend(key for key in row if key not in columns and row[key] not in (None, "", [], {}))
    constant = {
        column: rows[0].get(column)
        for column in columns
        if all(column in row and row[column] == rows[0][column] for row in rows)
    }
    varying = [column for column in columns if column not in constant]
    table: dict[str, Any] = {"columns": varying, "rows": [[_compact(row.get(c)) for c in varying] for row in rows]}
    if constant:
        table["same_for_all_rows"] = {column: _compact(value) for column, value in constant.items()}
    return table


def table_records(value: Any) -> list[dict[str, Any]]:
    """Every record in a compacted tool result: tables turned back into dicts, plus plain lists of dicts."""
    records: list[dict[str, Any]] = []
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict) and isinstance(item.get("columns"), list) and isinstance(item.get("rows"), list):
            shared = item.get("same_for_all_rows") or {}
            columns = item["columns"]
            records.extend({**shared, **dict(zip(columns, row, strict=False))} for row in item["rows"])
        elif isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list) and item and all(isinstance(e, dict) and "columns" not in e for e in item):
            records.extend(item)
        elif isinstance(item, list):
            stack.extend(item)
    return records


def _compact(value: Any) -> Any:
    """Drop empty fields, shorten long texts, and turn lists of records into column/row tables."""
    if isinstance(value, dict):
        return {key: _compact(item) for key, item in value.items() if item not in (None, "", [], {})}
    if isinstance(value, list):
        if len(value) > 1 and all(isinstance(item, dict) for item in value):
            return _as_table(value)
        return [_compact(item) for item in value]
    if isinstance(value, str) and len(value) > LONG_TEXT_CHARS:
        return value[:LONG_TEXT_CHARS] + "…"
    return value


def _dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)


def _largest_table(value: Any) -> dict[str, Any] | None:
    """The table with the most rows anywhere in a compacted value."""
    best: dict[str, Any] | None = None
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if isinstance(item.get("rows"), list) and "columns" in item:
                if best is None or len(item["rows"]) > len(best["rows"]):
                    best = item
            else:
                stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return best


def tool_result_for_model(payload: Any, budget: int) -> str:
    """A tool result as compact JSON within `budget` tokens: rows beyond it are left out, and the model is told."""
    if isinstance(payload, str):
        try:
            payload = json.loads(payload)
        except ValueError:
            limit = budget * CHARS_PER_TOKEN
            return payload if len(payload) <= limit else payload[:limit] + f"… [{len(payload) - limit} chars cut]"
    compact = _compact(payload)
    text = _dump(compact)
    if estimate_tokens(text) <= budget:
        return text
    table = _largest_table(compact)
    if table is not None:
        rows = table["rows"]
        total = len(rows)
        keep = total
        while keep > 1 and estimate_tokens(text) > budget:
            keep = max(1, int(keep * budget / estimate_tokens(text) * 0.95))
            table["rows"] = rows[:keep]
            table["rows_left_out"] = total - keep
            table["note"] = "Only the first rows fit; ask for fewer countries or years to see the rest."
            text = _dump(compact)
    limit = budget * CHARS_PER_TOKEN
    return text if len(text) <= limit else text[:limit] + "… [cut to fit]"
