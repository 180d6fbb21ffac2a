"""A chat's uploaded files as tools beside the MCP servers' ones: `upload_list_series` and `upload_get_data`.

`with_uploads(hub, uploads)` is the hub the answer uses: the two upload tools are answered here, from the stored
points, and every other call goes on to the MCP hub. Rows come back in the Data360 shape (`REF_AREA`,
`TIME_PERIOD`, `OBS_VALUE`, ...) so charts, sources, grounding and the offline model read them like Data360 data;
their database is `upload:<file name>`, which sources cite as "your upload".
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from typing import Any

from data360_chat.assistant.sources import UPLOAD_PREFIX
from data360_chat.assistant.tool_runs import ToolHub
from data360_chat.mcp_client.results import ToolResult, observations_in
from data360_chat.uploads.table import Point, UploadedData

LIST_SERIES = "upload_list_series"
GET_DATA = "upload_get_data"
SERVER = "uploads"
PAGE_SIZE = 500
MOST_ROWS = 2000
LISTED_COUNTRIES = 20
PROMPT = (
    "\n\nThe person uploaded their own data to this chat: {files}. Call `upload_list_series` to see its series "
    "and `upload_get_data` to read them (compare them with Data360 indicators when asked). Say that such figures "
    "come from “your upload” and name the file."
)


def _schema(name: str, description: str, properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
    parameters = {"type": "object", "properties": properties, "required": required}
    return {"type": "function", "function": {"name": name, "description": description, "parameters": parameters}}


UPLOAD_TOOLS = [
    _schema(
        LIST_SERIES,
        "List the series in the files the person uploaded to this chat: each series' id, name, file, countries "
        "and years. Call it before upload_get_data.",
        {},
        [],
    ),
    _schema(
        GET_DATA,
        "Values of one series of the person's uploaded files, as rows of REF_AREA (country), TIME_PERIOD (year) "
        "and OBS_VALUE, filtered by countries and years. Cite them as 'your upload' with the file name.",
        {
            "series_id": {"type": "string", "description": "The series id from upload_list_series (`u1-s1`)."},
            "countries": {
                "type": "string",
                "description": "ISO3 codes or names, comma-separated (`KEN,UGA`); all countries when left out.",
            },
            "start_year": {"type": "integer", "description": "First year to include."},
            "end_year": {"type": "integer", "description": "Last year to include."},
            "limit": {"type": "integer", "description": f"Most rows to return (default {PAGE_SIZE})."},
            "offset": {"type": "integer", "description": "Rows to skip (from next_offset)."},
        },
        ["series_id"],
    ),
]


def upload_prompt(uploads: Sequence[UploadedData]) -> str:
    """What the system prompt adds when the chat has uploads."""
    return PROMPT.format(files=", ".join(f"“{upload.filename}”" for upload in uploads))


def _year_number(year: int | str) -> int:
    text = str(year)[:4]
    return int(text) if text.isdigit() else 0


def _int(value: Any, default: int | None) -> int | None:
    try:
        return int(value) if value not in (None, "") else default
    except (TypeError, ValueError):
        return default


class UploadTools:
    """The MCP hub plus the chat's uploads as two tools (a `ToolHub`)."""

    def __init__(self, hub: ToolHub, uploads: Sequence[UploadedData]) -> None:
        self.hub = hub
        self.uploads = list(uploads)

    def openai_tools(self) -> list[dict[str, Any]]:
        """The upload tools, then every MCP tool."""
        return [*UPLOAD_TOOLS, *self.hub.openai_tools()]

    async def call(
        self,
        name: str,
        arguments: dict[str, Any],
        *,
        timeout: float | None = None,  # noqa: ASYNC109  (the hub's signature; upload tools answer at once)
    ) -> ToolResult:
        """Answer an upload tool here; pass anything else on to the MCP hub."""
        if name not in (LIST_SERIES, GET_DATA):
            return await self.hub.call(name, arguments, timeout=timeout)
        started = time.monotonic()
        data = self._list() if name == LIST_SERIES else self._get(arguments)
        elapsed = round((time.monotonic() - started) * 1000)
        text = json.dumps(data, ensure_ascii=False, default=str)
        if "error" in data:
            return ToolResult.failure(SERVER, name, str(data["error"]), elapsed)
        return ToolResult(SERVER, name, True, text, data, None, observations_in(data), elapsed)

    def _series_ids(self) -> dict[str, tuple[UploadedData, str]]:
        return {
            f"u{number}-{series.key}": (upload, series.key)
            for number, upload in enumerate(self.uploads, 1)
            for series in upload.table.series
        }

    def _list(self) -> dict[str, Any]:
        listed = []
        for series_id, (upload, key) in self._series_ids().items():
            series = upload.table.series_named(key)
            assert series is not None
            listed.append(
                {
                    "series_id": series_id,
                    "name": series.name,
                    "file": upload.filename,
                    "countries": series.countries[:LISTED_COUNTRIES],
                    "country_count": len(series.countries),
                    "first_year": series.first_year,
                    "last_year": series.last_year,
                    "points": series.points,
                }
            )
        return {"series": listed, "cite_as": "your upload"}

    def _get(self, arguments: dict[str, Any]) -> dict[str, Any]:
        series_id = str(arguments.get("series_id") or "")
        found = self._series_ids().get(series_id)
        if found is None:
            known = ", ".join(self._series_ids()) or "none"
            return {"error": f"There is no uploaded series “{series_id}”. Known series: {known}."}
        upload, key = found
        series = upload.table.series_named(key)
        assert series is not None
        wanted = {part.strip().lower() for part in str(arguments.get("countries") or "").split(",") if part.strip()}
        start, end = _int(arguments.get("start_year"), None), _int(arguments.get("end_year"), None)
        points = [
            p
            for p in upload.table.points
            if p.series == key
            and (not wanted or p.code.lower() in wanted or p.country.lower() in wanted)
            and (start is None or _year_number(p.year) >= start)
            and (end is None or _year_number(p.year) <= end)
        ]
        offset = max(0, _int(arguments.get("offset"), 0) or 0)
        limit = min(MOST_ROWS, max(1, _int(arguments.get("limit"), PAGE_SIZE) or PAGE_SIZE))
        page = points[offset : offset + limit]
        more = offset + limit < len(points)
        return {
            "series_id": series_id,
            "name": series.name,
            "file": upload.filename,
            "source": f"your upload ({upload.filename})",
            "data": [self._row(series_id, series.name, upload.filename, p) for p in page],
            "count": len(points),
            "has_more": more,
            **({"next_offset": offset + limit} if more else {}),
        }

    @staticmethod
    def _row(series_id: str, name: str, filename: str, point: Point) -> dict[str, Any]:
        return {
            "INDICATOR": series_id,
            "INDICATOR_LABEL": name,
            "DATABASE_ID": f"{UPLOAD_PREFIX}{filename}",
            "REF_AREA": point.code,
            "REF_AREA_LABEL": point.country,
            "TIME_PERIOD": point.year,
            "OBS_VALUE": point.value,
        }


def with_uploads(hub: ToolHub, uploads: Sequence[UploadedData]) -> ToolHub:
    """The hub an answer uses: the MCP hub, plus the upload tools when the chat has uploads."""
    return UploadTools(hub, uploads) if uploads else hub
