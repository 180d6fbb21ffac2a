"""The OpenAPI 3.1 document of `/api/v1`, served at `/api/v1/openapi.json`: every operation, its parameters, and
the bodies it reads and answers, generated from the pydantic models of `api_schemas`."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from data360_chat import __version__
from data360_chat.web import api_schemas as s
from data360_chat.web.answer_events import CURSOR_PATTERN

REF = "#/components/schemas/{model}"
ERROR_TEXT = {
    400: "The request is malformed; the message says how.",
    401: "No valid session, bearer token or API key.",
    403: "A change sent with a session cookie from another site.",
    404: "No such item, or another person's (the two look the same).",
    409: "An answer is already being written in this chat.",
    413: "The body or the question is too long.",
    429: "As many answers being written, or questions this minute, as allowed; try again after `Retry-After` s.",
    503: "The database cannot be reached right now.",
}
RETRY_AFTER = {"Retry-After": {"description": "Seconds to wait before trying again.", "schema": {"type": "integer"}}}
EVENTS = (
    "response.created",
    "response.output_text.delta",
    "response.tool_call.started",
    "response.tool_call.completed",
    "response.chart",
    "response.error",
    "response.completed",
)
SSE = {
    "text/event-stream": {
        "schema": {
            "description": "One event: its name, its id (a cursor for `Last-Event-ID`) and its data as JSON.",
            "type": "object",
            "required": ["event", "id", "data"],
            "properties": {
                "event": {"enum": list(EVENTS)},
                "id": {"type": "string", "pattern": CURSOR_PATTERN},
                "data": {"type": "string", "contentMediaType": "application/json"},
            },
        }
    }
}


@dataclass(frozen=True)
class Operation:
    """One method on one path: what it answers when it works, what it reads, and how it can refuse."""

    method: str
    path: str
    summary: str
    ok: tuple[int, type[BaseModel] | dict[str, Any] | None]
    body: type[BaseModel] | None = None
    parameters: tuple[dict[str, Any], ...] = ()
    errors: tuple[int, ...] = ()
    public: bool = False
    extra_content: dict[str, Any] = field(default_factory=dict)


def _path(name: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": schema}


def _query(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "schema": schema, "description": description}


CHAT_ID = _path("chat_id", {"type": "string", "format": "uuid"})
MESSAGE_ID = _path("message_id", {"type": "integer", "minimum": 1})
CHART_ID = _path("chart_id", {"type": "integer", "minimum": 1})
CURSOR = {"type": "string", "pattern": CURSOR_PATTERN}
LAST_EVENT_ID = {
    "name": "Last-Event-ID",
    "in": "header",
    "required": False,
    "schema": CURSOR,
    "description": "The `id` of the last event received: the stream goes on after it, repeating nothing.",
}

OPERATIONS = (
    Operation("get", "/me", "The signed-in person.", (200, s.Me)),
    Operation(
        "get",
        "/chats",
        "The person's chats, most recently updated first.",
        (200, s.ChatList),
        parameters=(
            _query("q", {"type": "string"}, "Only chats whose title or messages contain this text."),
            _query("limit", {"type": "integer", "minimum": 1, "maximum": s.MAX_PAGE}, "Chats per page (50)."),
            _query("before", {"type": "string"}, "`next_before` of the previous page."),
        ),
        errors=(400,),
    ),
    Operation("get", "/chats/{chat_id}", "One chat.", (200, s.ChatBody), parameters=(CHAT_ID,), errors=(404,)),
    Operation(
        "patch",
        "/chats/{chat_id}",
        "Rename a chat.",
        (200, s.ChatBody),
        body=s.RenameChat,
        parameters=(CHAT_ID,),
        errors=(400, 403, 404, 413),
    ),
    Operation("delete", "/chats/{chat_id}", "Delete a chat.", (204, None), parameters=(CHAT_ID,), errors=(403, 404)),
    Operation(
        "get",
        "/chats/{chat_id}/messages",
        "A chat's messages with their tool calls, charts and ratings.",
        (200, s.MessageList),
        parameters=(CHAT_ID,),
        errors=(404,),
    ),
    Operation(
        "get",
        "/chats/{chat_id}/export.{format}",
        "A chat with its answers, sources and chart links, to download as Markdown or JSON.",
        (200, s.ChatExport),
        parameters=(CHAT_ID, _path("format", {"enum": ["md", "json"]})),
        errors=(404,),
        extra_content={"text/markdown": {"schema": {"type": "string"}}},
    ),
    Operation(
        "put",
        "/messages/{message_id}/feedback",
        "Rate an answer.",
        (204, None),
        body=s.FeedbackBody,
        parameters=(MESSAGE_ID,),
        errors=(400, 403, 404, 413),
    ),
    Operation(
        "get",
        "/charts/{chart_id}.csv",
        "The rows behind a chart, as CSV.",
        (200, {"text/csv": {"schema": {"type": "string"}}}),
        parameters=(CHART_ID,),
        errors=(404,),
    ),
    Operation(
        "get",
        "/charts/{chart_id}.json",
        "A chart's Plotly figure.",
        (200, s.PlotlyFigure),
        parameters=(CHART_ID,),
        errors=(404,),
    ),
    Operation(
        "post",
        "/ask",
        "Ask a question: the stored answer as JSON, or (`stream`) its events as Server-Sent Events.",
        (200, s.AskResult),
        body=s.AskRequest,
        errors=(400, 403, 404, 409, 413, 429),
        extra_content=SSE,
    ),
    Operation(
        "get",
        "/ask/{message_id}",
        "An answer as stored now (`status` `streaming` while it is being written).",
        (200, s.AskResult),
        parameters=(MESSAGE_ID,),
        errors=(404,),
    ),
    Operation(
        "get",
        "/ask/{message_id}/events",
        "An answer's events, from the start or after `Last-Event-ID`, until it ends.",
        (200, SSE),
        parameters=(MESSAGE_ID, LAST_EVENT_ID),
        errors=(400, 404),
    ),
    Operation("get", "/openapi.json", "This document.", (200, {"application/json": {"schema": {}}}), public=True),
)


def _content(ok: type[BaseModel] | dict[str, Any] | None, extra: dict[str, Any]) -> dict[str, Any] | None:
    if ok is None:
        return None
    if isinstance(ok, dict):
        return ok
    return {"application/json": {"schema": {"$ref": REF.format(model=ok.__name__)}}, **extra}


def _error(status: int) -> dict[str, Any]:
    response: dict[str, Any] = {
        "description": ERROR_TEXT[status],
        "content": {"application/json": {"schema": {"$ref": REF.format(model="ErrorBody")}}},
    }
    if status in (409, 429):
        response["headers"] = RETRY_AFTER
    return response


def _operation(op: Operation) -> dict[str, Any]:
    status, ok = op.ok
    success: dict[str, Any] = {"description": op.summary}
    content = _content(ok, op.extra_content)
    if content is not None:
        success["content"] = content
    errors = op.errors if op.public else (401, *op.errors, 503)
    document: dict[str, Any] = {
        "summary": op.summary,
        "operationId": f"{op.method}_{op.path.strip('/').replace('/', '_').replace('{', '').replace('}', '')}",
        "responses": {str(status): success, **{str(code): _error(code) for code in sorted(errors)}},
    }
    if op.parameters:
        document["parameters"] = list(op.parameters)
    if op.body is not None:
        schema = {"$ref": REF.format(model=op.body.__name__)}
        document["requestBody"] = {"required": True, "content": {"application/json": {"schema": schema}}}
    if op.public:
        document["security"] = []
    return document


@lru_cache(maxsize=4)
def openapi_document(max_message_chars: int, prefix: str = "/api/v1") -> dict[str, Any]:
    """The whole document, for questions of at most `max_message_chars` characters."""
    models = {op.body for op in OPERATIONS if op.body} | {s.ErrorBody}
    models |= {op.ok[1] for op in OPERATIONS if isinstance(op.ok[1], type)}
    _, schemas = models_json_schema(
        [(model, "validation") for model in sorted(models, key=lambda m: m.__name__)], ref_template=REF
    )
    schemas["$defs"]["AskRequest"]["properties"]["question"]["maxLength"] = max_message_chars
    paths: dict[str, dict[str, Any]] = {}
    for op in OPERATIONS:
        paths.setdefault(prefix + op.path, {})[op.method] = _operation(op)
    return {
        "openapi": "3.1.0",
        "info": {"title": "Data360 Chat API", "version": __version__},
        "servers": [{"url": "/"}],
        "security": [{"bearer": []}],
        "components": {
            "schemas": schemas.get("$defs", {}),
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "description": "A personal API key or a JWT."}
            },
        },
        "paths": paths,
    }
