"""Tool results as the assistant uses them: text, parsed data, a readable error, observations for charts, and
whatever else a tool returned (images, audio, resource links, embedded resources) kept as what it is."""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from typing import Any

from mcp.types import CallToolResult, TextContent

from data360_chat.mcp_client.attachments import Attachment, read_content

TRUNCATED = "… (result cut to {limit:,} characters)"
DATA360_PREFIX = "data360_"  # Data360 tools answer JSON (but the URL tool): anything else is malformed
TEXT_TOOLS = {"data360_get_data_api_url"}
ROW_LISTS = ("data", "value", "values", "observations", "rows")
ERROR_MAX_CHARS = 600
MARKUP = re.compile(r"<(style|script)\b.*?</\1\s*>|<[^<>]{0,500}>", re.IGNORECASE | re.DOTALL)


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
    attachments: list[Attachment] = field(default_factory=list)  # non-text content, described in `text`

    @classmethod
    def failure(cls, server: str, tool: str, error: str, duration_ms: int = 0) -> ToolResult:
        """A failed call."""
        error = readable(error)
        return cls(server, tool, False, f"Error: {error}", None, error, [], duration_ms)


def readable(error: str, limit: int = ERROR_MAX_CHARS) -> str:
    """An error as a person reads it: markup dropped, whitespace folded, cut to `limit` characters (a server may
    pass on a whole HTML error page from the service behind it)."""
    text = " ".join(MARKUP.sub(" ", error).split()) if "<" in error else " ".join(error.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _json_or_none(text: str) -> Any:
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return None


def _data_of(result: CallToolResult) -> Any:
    """Structured content (a wrapped `{"result": ...}` unwrapped, a JSON string parsed), else the text as JSON,
    else one value per text block (a list sent an item a block)."""
    if result.structured_content is not None:
        data = result.structured_content
        if isinstance(data, dict) and set(data) == {"result"}:
            data = data["result"]  # a wrapped non-object return value
        return _json_or_none(data) if isinstance(data, str) and data.lstrip()[:1] in ("{", "[") else data
    texts = [item.text for item in result.content if isinstance(item, TextContent)]
    data = _json_or_none("\n".join(texts)) if texts else None
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


def _first_of(record: dict[str, Any], keys: tuple[str, ...]) -> Any:
    return next((record[key] for key in keys if record.get(key)), None)


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
                definition=str(_first_of(metadata, ("definition", "definition_short", "definition_long")) or ""),
            )
        )
    return found


def parse_result(server: str, tool: str, result: CallToolResult, duration_ms: int, max_chars: int) -> ToolResult:
    """A `ToolResult` from the SDK's result: JSON parsed, errors found, observations extracted, attachments kept."""
    text, attachments = read_content(result.content, max_chars)
    data = _data_of(result)
    if len(text) > max_chars:
        text = text[:max_chars] + TRUNCATED.format(limit=max_chars)

    def failed(error: str) -> ToolResult:
        return ToolResult(server, tool, False, text, data, readable(error), [], duration_ms, None, attachments)

    if result.is_error:
        return failed(text.strip() or "The tool reported an error without a message.")
    error = _error_in(data)
    if error:
        return failed(error)
    if not text.strip() and data is None:
        return failed("The tool returned nothing.")
    if data is None and not attachments and tool.startswith(DATA360_PREFIX) and tool not in TEXT_TOOLS:
        return failed(f"The tool {tool} returned malformed data.")
    return ToolResult(server, tool, True, text, data, None, observations_in(data), duration_ms, None, attachments)


def stored_result(tool: str, text: str) -> ToolResult:
    """A successful result from the text stored with its tool call (an answer taken up again reads its data)."""
    data = _json_or_none(text)
    return ToolResult("", tool, True, text, data, None, observations_in(data))
