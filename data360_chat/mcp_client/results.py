"""Tool results as the assistant uses them: text, parsed data, a readable error, and observations for charts."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

from mcp.types import CallToolResult, TextContent

TRUNCATED = "… (result cut to {limit:,} characters)"
DATA360_PREFIX = "data360_"  # Data360 tools answer JSON (but the URL tool): anything else is malformed
TEXT_TOOLS = {"data360_get_data_api_url"}
ROW_LISTS = ("data", "value", "values", "observations", "rows")


@dataclass(frozen=True)
class Observation:
    """One data point: an indicator's value for a country and year."""

    indicator_id: str
    indicator_name: str
    database_id: str
    country_code: str
    country_name: str
    year: int | str
    value: float
    unit: str | None
    definition: str = ""


@dataclass
class ToolResult:
    """What a tool call gave: never an exception, `ok=False` with a readable `error` when it failed."""

    server: str
    tool: str
    ok: bool
    text: str
    data: Any = None
    error: str | None = None
    observations: list[Observation] = field(default_factory=list)
    duration_ms: int = 0
    viz_spec: dict[str, Any] | None = None  # a viz-spec tool's Vega-Lite spec, loaded (see `specs`)

    @classmethod
    def failure(cls, server: str, tool: str, error: str, duration_ms: int = 0) -> ToolResult:
        """A failed call."""
        return cls(server, tool, False, f"Error: {error}", None, error, [], duration_ms)


def _text_of(result: CallToolResult) -> str:
    parts = [item.text for item in result.content if isinstance(item, TextContent)]
    if not parts and result.content:
        parts = [f"[{item.type} content]" for item in result.content]
    return "\n".join(parts)


def _json_or_none(text: str) -> Any:
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return None


def _data_of(result: CallToolResult, text: str) -> Any:
    """Structured content, else the text as JSON, else one value per content item (a returned list)."""
    if result.structured_content is not None:
        data = result.structured_content
        if isinstance(data, dict) and set(data) == {"result"}:
            data = data["result"]  # a wrapped non-object return value
        return _json_or_none(data) if isinstance(data, str) else data
    data = _json_or_none(text)
    texts = [item.text for item in result.content if isinstance(item, TextContent)]
    if data is None and len(texts) > 1:
        data = [_json_or_none(part) if part.lstrip()[:1] in ("{", "[") else part for part in texts]
    return data


def _error_in(data: Any) -> str | None:
    """The `error` a Data360 tool reports inside its result."""
    if isinstance(data, dict) and data.get("error"):
        return str(data["error"])
    if isinstance(data, list) and len(data) == 1 and isinstance(data[0], dict) and data[0].get("error"):
        return str(data[0]["error"])
    return None


def _year(value: Any) -> int | str | None:
    text = str(value).strip() if value is not None else ""
    if not text:
        return None
    return int(text) if text.isdigit() else text


def _number(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def observations_in(data: Any) -> list[Observation]:
    """The observations in a data result (`data360_get_data` rows, or a data URL's `value` list)."""
    if not isinstance(data, dict):
        return []
    rows = next((data[key] for key in ROW_LISTS if isinstance(data.get(key), list)), [])
    metadata = data.get("metadata") if isinstance(data.get("metadata"), dict) else {}
    found = []
    for row in rows:
        if not isinstance(row, dict):
            continue
        code, year, value = row.get("REF_AREA"), _year(row.get("TIME_PERIOD")), _number(row.get("OBS_VALUE"))
        indicator = row.get("INDICATOR") or metadata.get("idno")
        if not code or year is None or value is None or not indicator:
            continue
        found.append(
            Observation(
                indicator_id=str(indicator),
                indicator_name=str(row.get("INDICATOR_LABEL") or metadata.get("name") or indicator),
                database_id=str(
                    row.get("DATABASE_ID") or metadata.get("database_id") or "_".join(indicator.split("_")[:2])
                ),
                country_code=str(code),
                country_name=str(row.get("REF_AREA_LABEL") or row.get("REF_AREA_NAME") or code),
                year=year,
                value=value,
                unit=row.get("UNIT_MEASURE") or metadata.get("unit") or metadata.get("measurement_unit"),
                definition=str(metadata.get("definition") or metadata.get("definition_long") or ""),
            )
        )
    return found


def parse_result(server: str, tool: str, result: CallToolResult, duration_ms: int, max_chars: int) -> ToolResult:
    """A `ToolResult` from the SDK's result: JSON parsed, errors found, observations extracted."""
    text = _text_of(result)
    data = _data_of(result, text)
    if len(text) > max_chars:
        text = text[:max_chars] + TRUNCATED.format(limit=max_chars)
    if result.is_error:
        message = text.strip() or "The tool reported an error without a message."
        return ToolResult(server, tool, False, text, data, message, [], duration_ms)
    error = _error_in(data)
    if error:
        return ToolResult(server, tool, False, text, data, error, [], duration_ms)
    if not text.strip() and data is None:
        return ToolResult(server, tool, False, text, None, "The tool returned nothing.", [], duration_ms)
    if data is None and tool.startswith(DATA360_PREFIX) and tool not in TEXT_TOOLS:
        return ToolResult(server, tool, False, text, None, f"The tool {tool} returned malformed data.", [], duration_ms)
    return ToolResult(server, tool, True, text, data, None, observations_in(data), duration_ms)
