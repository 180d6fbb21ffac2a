"""The offline Data360 MCP server: the nine tools over streamable HTTP (`/mcp`) or stdio, plus a `/data` URL."""

from __future__ import annotations

import inspect
from typing import Any

from mcp.server.mcpserver import MCPServer
from mcp.server.transport_security import TransportSecuritySettings
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse

from data360_chat.offline_mcp.tools import OfflineData360

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "[::1]")
INSTRUCTIONS = (
    "World Bank Data360 (offline: World Development Indicators). Find an indicator with "
    "data360_search_indicators, then fetch observations with data360_get_data (REF_AREA takes ISO3 codes, "
    "comma-separated). Values are exactly those published; missing years are absent."
)


def build_server(data: OfflineData360) -> MCPServer:
    """An MCP server exposing the tools under the public Data360 server's names."""
    server = MCPServer("data360-offline", instructions=INSTRUCTIONS, log_level="WARNING")
    tools = {
        "data360_search_indicators": data.search_indicators,
        "data360_get_metadata": data.get_metadata,
        "data360_get_data": data.get_data,
        "data360_get_disaggregation": data.get_disaggregation,
        "data360_find_codelist_value": data.find_codelist_value,
        "data360_list_indicators": data.list_indicators,
        "data360_get_data_api_url": data.get_data_api_url,
        "data360_get_viz_spec": data.get_viz_spec,
        "data360_get_supported_chart_types": data.get_supported_chart_types,
    }
    for name, function in tools.items():
        server.tool(name=name, description=inspect.cleandoc(function.__doc__ or ""), structured_output=False)(function)
    return server


def transport_security(host: str, allowed_hosts: list[str]) -> TransportSecuritySettings | None:
    """DNS-rebinding protection: loopback names plus the configured hosts; `*` turns the check off."""
    if "*" in allowed_hosts:
        return None
    hosts = [f"{name}:*" for name in LOOPBACK_HOSTS] + [
        entry if ":" in entry else f"{entry}:*" for entry in allowed_hosts
    ]
    if host not in (*LOOPBACK_HOSTS, "::1"):
        hosts.append(f"{host}:*")
    origins = [f"{scheme}://{entry}" for entry in hosts for scheme in ("http", "https")]
    return TransportSecuritySettings(enable_dns_rebinding_protection=True, allowed_hosts=hosts, allowed_origins=origins)


def build_http_app(data: OfflineData360, host: str, allowed_hosts: list[str]) -> Starlette:
    """The HTTP app: MCP at `/mcp`, the rows behind a data URL at `/data`."""
    app = build_server(data).streamable_http_app(transport_security=transport_security(host, allowed_hosts), host=host)

    async def rows(request: Request) -> JSONResponse:
        query = request.query_params
        found, problem = data.data_rows(
            query.get("DATABASE_ID", ""),
            query.get("INDICATOR", ""),
            query.get("REF_AREA"),
            query.get("timePeriodFrom"),
            query.get("timePeriodTo"),
        )
        body: dict[str, Any] = {"error": problem} if problem else {"count": len(found), "value": found}
        return JSONResponse(body, status_code=400 if problem else 200)

    app.add_route("/data", rows, methods=["GET"])
    return app
