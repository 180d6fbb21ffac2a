"""The offline Data360 MCP server: the nine tools over streamable HTTP (`/mcp`) or stdio, plus the `/data` and
`/charts` URLs its tools hand out.

Tools answer as the public server (FastMCP) does: structured content (the result model, or `{"result": ...}` for
a list or text), its JSON (or the text) as one text block, and the output schema published. Each argument's
description comes from the tool's docstring. Clients may ask for log messages (`logging/setLevel`); an unknown
prompt is refused with JSON-RPC's invalid-params code.
"""

from __future__ import annotations

import functools
import inspect
import json
import re
import time
from collections.abc import Callable
from typing import Annotated, Any

import anyio
from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.server.transport_security import TransportSecuritySettings
from mcp.shared.exceptions import MCPError
from mcp.types import INVALID_PARAMS, CallToolResult, TextContent
from pydantic import BaseModel, Field
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse

from data360_chat import __version__
from data360_chat.offline_mcp.client_logs import ClientLogs
from data360_chat.offline_mcp.tools import OfflineData360

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "[::1]")
INSTRUCTIONS = (
    "World Bank Data360 (offline: World Development Indicators). Find an indicator with "
    "data360_search_indicators, then fetch observations with data360_get_data (REF_AREA takes ISO3 codes, "
    "comma-separated). Values are exactly those published; missing years are absent."
)
TOOLS = (
    "search_indicators",
    "get_metadata",
    "get_data",
    "get_disaggregation",
    "find_codelist_value",
    "list_indicators",
    "get_data_api_url",
    "get_viz_spec",
    "get_supported_chart_types",
)
ARGUMENT = re.compile(r"^(\w+):\s*(.*)$")


class OfflineMCPServer(MCPServer):
    """`MCPServer` with the public server's answer to an unknown prompt: invalid params, not a generic error."""

    async def get_prompt(self, name: str, arguments: dict[str, Any] | None = None, context: Any = None) -> Any:
        """The prompt, or `MCPError(INVALID_PARAMS)` naming the one asked for."""
        if name not in {prompt.name for prompt in await self.list_prompts()}:
            raise MCPError(INVALID_PARAMS, f"Unknown prompt: {name!r}")
        return await super().get_prompt(name, arguments, context)


def argument_docs(doc: str) -> dict[str, str]:
    """The `Args:` section of a Google-style docstring: argument → description (continuation lines joined)."""
    found: dict[str, str] = {}
    current = None
    in_args = False
    for line in inspect.cleandoc(doc).splitlines():
        stripped = line.strip()
        if stripped == "Args:":
            in_args = True
        elif in_args and line.startswith("    ") and not line.startswith("        "):
            match = ARGUMENT.match(stripped)
            current = match.group(1) if match else None
            if match:
                found[current] = match.group(2)
        elif in_args and line.startswith("        ") and current:
            found[current] += " " + stripped
        elif in_args and stripped:
            in_args = False
    return found


def answer(value: Any) -> CallToolResult:
    """A tool's return value as the public server sends it."""
    if isinstance(value, BaseModel):
        structured = value.model_dump(mode="json")
    elif isinstance(value, dict):
        structured = value
    else:
        structured = {"result": value}
    json_value = value if isinstance(value, list) else structured
    text = value if isinstance(value, str) else json.dumps(json_value, ensure_ascii=False, separators=(",", ":"))
    return CallToolResult(content=[TextContent(type="text", text=text)], structured_content=structured)


def as_tool(name: str, function: Callable[..., Any], logs: ClientLogs) -> Callable[..., Any]:
    """The tool function the server registers: each argument described, the result as `answer` makes it, and a
    log message to a client that asked for them."""
    signature = inspect.signature(function, eval_str=True)
    docs = argument_docs(function.__doc__ or "")
    parameters = [
        parameter.replace(annotation=Annotated[parameter.annotation, Field(description=docs[parameter.name])])
        for parameter in signature.parameters.values()
    ]
    context = inspect.Parameter("ctx", inspect.Parameter.KEYWORD_ONLY, annotation=Context)

    async def tool(ctx: Context, **arguments: Any) -> CallToolResult:
        started = time.perf_counter()
        try:
            result = answer(await anyio.to_thread.run_sync(functools.partial(function, **arguments)))
        except ToolError as exc:
            await logs.send(ctx, "warning", f"{name}: {exc}")
            raise
        problem = result.structured_content.get("error")
        if problem:
            await logs.send(ctx, "warning", f"{name}: {problem}")
        await logs.send(ctx, "debug", f"{name} answered in {(time.perf_counter() - started) * 1000:.0f} ms")
        return result

    tool.__name__ = function.__name__
    tool.__signature__ = signature.replace(  # type: ignore[attr-defined]
        parameters=[*parameters, context], return_annotation=Annotated[CallToolResult, signature.return_annotation]
    )
    return tool


def build_server(data: OfflineData360) -> MCPServer:
    """An MCP server exposing the tools under the public Data360 server's names."""
    server = OfflineMCPServer("data360-offline", instructions=INSTRUCTIONS, log_level="WARNING", version=__version__)
    logs = ClientLogs(server)
    for short in TOOLS:
        function = getattr(data, short)
        name = f"data360_{short}"
        title = "Data360 " + " ".join(word.capitalize() for word in short.split("_"))
        server.tool(name=name, title=title, description=inspect.cleandoc(function.__doc__ or ""))(
            as_tool(name, function, logs)
        )
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
    """The HTTP app: MCP at `/mcp`, the rows behind a data URL at `/data`, stored chart specs at `/charts/{id}`."""
    app = build_server(data).streamable_http_app(transport_security=transport_security(host, allowed_hosts), host=host)

    async def rows(request: Request) -> JSONResponse:
        query = request.query_params
        found, problem = data.rows.for_url(
            query.get("DATABASE_ID", ""),
            query.get("INDICATOR", ""),
            query.get("REF_AREA"),
            query.get("timePeriodFrom"),
            query.get("timePeriodTo"),
        )
        body: dict[str, Any] = {"error": problem} if problem else {"count": len(found), "value": found}
        return JSONResponse(body, status_code=400 if problem else 200)

    async def chart(request: Request) -> JSONResponse:
        spec = data.specs.get(request.path_params["key"])
        return JSONResponse(spec) if spec is not None else JSONResponse({"error": "No such chart."}, status_code=404)

    app.add_route("/data", rows, methods=["GET"])
    app.add_route("/charts/{key}", chart, methods=["GET"])
    return app
