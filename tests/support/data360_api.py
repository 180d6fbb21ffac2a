"""A stand-in for the Data360 API that the public Data360 MCP server calls, serving the offline WDI bundle, with
faults the tests switch on. Run as a child process:

    python -m tests.support.data360_api --port PORT

The endpoints are those data360-mcp 0.1.2 calls under `DATA360_API_BASE_URL` (it joins some paths with a double
slash): `POST /data360/searchv2`, `POST /data360/metadata`, `GET /data360/disaggregation`, `GET /data360/data`,
`GET /data360/indicators`, `GET /data360/codelist`, and a charts store (`POST /charts`, `GET /charts/{id}`) for
`MCP_CHARTS_API_URL`. `POST /_fault` with `{"mode": ..., "seconds": ...}` makes every Data360 endpoint answer:
`ok`; `error` (503 with a large HTML page); `garbage` (200, not JSON); `shape` (200, JSON of another shape);
`slow` (answers after `seconds`).
"""

from __future__ import annotations

import argparse
import asyncio
import re
import uuid
from pathlib import Path
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from data360_chat.offline_mcp.catalogue import Indicator, load_catalogue
from data360_chat.offline_mcp.tools import OfflineData360
from data360_chat.settings import BUNDLED_DATA

FAULT: dict[str, Any] = {"mode": "ok", "seconds": 0.0}
CHARTS: dict[str, Any] = {}
IDNO = re.compile(r"idno eq '([^']*)'")
ERROR_PAGE = (
    "<!DOCTYPE html><html><head><title>503 Service Unavailable</title><style>body{font-family:sans-serif}</style>"
    "</head><body><h1>Service Unavailable</h1><p>The server is temporarily unable to service your request due to "
    "maintenance downtime or capacity problems. Please try again later.</p>"
    + "<!-- padding -->" * 400
    + "</body></html>"
)


def description(data: OfflineData360, indicator: Indicator) -> dict[str, Any]:
    """An indicator's `series_description`, as the API's search and metadata endpoints give it."""
    return {
        "idno": indicator.idno,
        "name": indicator.name,
        "database_id": data.catalogue.database_id,
        "definition_long": indicator.definition,
        "definition_short": indicator.definition,
        "measurement_unit": indicator.unit,
        "periodicity": "Annual",
        "time_periods": [{"start": str(indicator.first_year), "end": str(indicator.last_year)}],
        "ref_country": [{"code": code, "name": data.places.name_of(code)} for code in sorted(indicator.series)],
        "dimensions": [],
        "topics": [{"name": topic} for topic in indicator.topics],
        "sources_note": "World Bank, World Development Indicators",
    }


def year(text: str | None, default: int) -> int:
    return int(text) if text and text.isdigit() else default


def selected(record: dict[str, Any], select: str | None) -> dict[str, Any]:
    if not select:
        return record
    fields = {part.strip().removeprefix("series_description/") for part in select.split(",")}
    return {key: value for key, value in record.items() if key in fields}


def build(data: OfflineData360) -> Starlette:
    """The API over one loaded bundle."""

    async def search(request: Request) -> JSONResponse:
        body = await request.json()
        found = [indicator for indicator, _ in data.index.search(str(body.get("search", "")))]
        skip, top = int(body.get("skip") or 0), int(body.get("top") or 10)
        page = [{"series_description": selected(description(data, i), body.get("select"))} for i in found]
        return JSONResponse({"@odata.count": len(found), "value": page[skip : skip + top]})

    async def metadata(request: Request) -> JSONResponse:
        body = await request.json()
        match = IDNO.search(str(body.get("query", "")))
        indicator = data.catalogue.indicators.get(match.group(1)) if match else None
        value = [] if indicator is None else [{"series_description": selected(description(data, indicator), None)}]
        return JSONResponse({"value": value})

    async def disaggregation(request: Request) -> JSONResponse:
        indicator = data.catalogue.indicators.get(request.query_params.get("indicatorId", ""))
        if indicator is None:
            return JSONResponse({"error": "indicator not found"}, status_code=404)
        return JSONResponse(data.dimensions(indicator))

    async def rows(request: Request) -> JSONResponse:
        query = request.query_params
        indicator = data.catalogue.indicators.get(query.get("INDICATOR", ""))
        if indicator is None or query.get("DATABASE_ID") != data.catalogue.database_id:
            return JSONResponse({"@odata.count": 0, "value": []})
        years = (year(query.get("timePeriodFrom"), -10_000), year(query.get("timePeriodTo"), 10_000))
        codes = [code.strip() for code in query["REF_AREA"].split(",")] if query.get("REF_AREA") else None
        found = data.rows.observations(indicator, codes, years)
        skip, top = int(query.get("skip") or 0), int(query.get("top") or 1000)
        return JSONResponse({"@odata.count": len(found), "value": found[skip : skip + top]})

    async def indicators(request: Request) -> JSONResponse:
        wanted = request.query_params.get("datasetId")
        return JSONResponse(sorted(data.catalogue.indicators) if wanted == data.catalogue.database_id else [])

    async def codelist(request: Request) -> JSONResponse:
        if request.query_params.get("type") == "UNIT_MEASURE":
            units = sorted({i.unit for i in data.catalogue.indicators.values() if i.unit})
            return JSONResponse({"value": [{"Id": unit, "Name": unit} for unit in units]})
        names = data.catalogue.country_names
        return JSONResponse({"value": [{"Id": code, "Name": name} for code, name in sorted(names.items())]})

    endpoints = {
        "searchv2": search,
        "metadata": metadata,
        "disaggregation": disaggregation,
        "data": rows,
        "indicators": indicators,
        "codelist": codelist,
    }

    async def data360(request: Request) -> Response:
        endpoint = endpoints.get(request.path_params["path"].strip("/").split("/")[-1])
        if endpoint is None:
            return JSONResponse({"error": "not found"}, status_code=404)
        mode = FAULT["mode"]
        if mode == "slow":
            await asyncio.sleep(FAULT["seconds"])
        elif mode == "error":
            return HTMLResponse(ERROR_PAGE, status_code=503)
        elif mode == "garbage":
            return PlainTextResponse("<html><body>Bad gateway \x00 {{{", status_code=200)
        elif mode == "shape":
            return JSONResponse({"unexpected": "shape", "items": 3})
        return await endpoint(request)

    async def fault(request: Request) -> JSONResponse:
        FAULT.update(await request.json())
        return JSONResponse(FAULT)

    async def store_chart(request: Request) -> JSONResponse:
        key = uuid.uuid4().hex
        CHARTS[key] = await request.json()
        return JSONResponse({"id": key, "url": f"{request.base_url}charts/{key}"}, status_code=201)

    async def chart(request: Request) -> JSONResponse:
        spec = CHARTS.get(request.path_params["key"])
        return JSONResponse(spec) if spec is not None else JSONResponse({"error": "no such chart"}, 404)

    return Starlette(
        routes=[
            Route("/_fault", fault, methods=["POST"]),
            Route("/charts", store_chart, methods=["POST"]),
            Route("/charts/{key}", chart),
            Route("/data360/{path:path}", data360, methods=["GET", "POST"]),
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--data", type=Path, default=BUNDLED_DATA)
    args = parser.parse_args()
    app = build(OfflineData360(load_catalogue(args.data)))
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
