"""A small JSON API for programmatic clients: `/api/v1/...`.

Authenticated by the session cookie, a bearer JWT from the configured issuer, or a personal API key
(`Authorization: Bearer d360_...`). Another user's chat, message or chart answers exactly like a missing one (404).
Requests authenticated by cookie that change something must come from a page of this app (Origin checked).
Asking is in `ask_routes`; the routes are described in `openapi` (served at `/api/v1/openapi.json`).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Match, Route

from data360_chat.admin.chat_access import readable_conversation
from data360_chat.auth.identity import CurrentUser
from data360_chat.auth.service import AuthService
from data360_chat.db.models import Chart, Chat
from data360_chat.repositories import NotFound
from data360_chat.repositories.charts import get_chart
from data360_chat.repositories.chats import delete_chat, get_chat, list_chats, rename_chat, search_chats
from data360_chat.repositories.conversations import Turn, load_conversation
from data360_chat.repositories.feedback import set_feedback
from data360_chat.web.api_schemas import MAX_PAGE
from data360_chat.web.ask_routes import AskRoutes
from data360_chat.web.chart_csv import csv_filename, rows_to_csv
from data360_chat.web.chat_export import conversation_markdown, export_filename
from data360_chat.web.errors import NO_STORE, json_error, not_found, read_json
from data360_chat.web.openapi import openapi_document
from data360_chat.web.requests import path_row_id, same_origin

PREFIX = "/api/v1"
UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
CHAT_LIST_PARAMETERS = {"q", "limit", "before"}

Handler = Callable[[Request, CurrentUser], Awaitable[Response]]


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def chat_json(chat: Chat) -> dict[str, Any]:
    """A chat as the API shows it."""
    return {
        "id": str(chat.id),
        "title": chat.title,
        "created_at": _iso(chat.created_at),
        "updated_at": _iso(chat.updated_at),
    }


def message_json(turn: Turn) -> dict[str, Any]:
    """A message with its tool calls and charts (each chart with its CSV link) and the user's rating. `status` is
    `streaming`, `complete`, `cut_off`, `too_long`, `filtered`, `cancelled` or `error`; `number_checks` lists each
    number of an answer with `kind` `data`, `derived` or `unverified` and `where` it was found."""
    message = turn.message
    return {
        "id": message.id,
        "role": message.role,
        "content": message.content,
        "status": message.status,
        "error": message.error,
        "model": message.model,
        "prompt_tokens": message.prompt_tokens,
        "completion_tokens": message.completion_tokens,
        "latency_ms": message.latency_ms,
        "grounded_share": message.grounded_share,
        "number_checks": message.number_checks or [],
        "sources": message.sources or [],
        "rating": turn.feedback.rating if turn.feedback is not None else None,
        "created_at": _iso(message.created_at),
        "tool_calls": [
            {
                "tool": call.tool_name,
                "arguments": call.arguments,
                "status": call.status,
                "error": call.error,
                "duration_ms": call.duration_ms,
            }
            for call in turn.tool_calls
        ],
        "charts": [
            {
                "id": chart.id,
                "title": chart.title,
                "source": chart.source,
                "csv_url": f"{PREFIX}/charts/{chart.id}.csv",
                "plotly_json_url": f"{PREFIX}/charts/{chart.id}.json",
            }
            for chart in turn.charts
        ],
    }


def _chat_id(request: Request) -> uuid.UUID | None:
    try:
        return uuid.UUID(request.path_params["chat_id"])
    except ValueError:
        return None


def _cursor(value: str | None) -> tuple[datetime, uuid.UUID] | None:
    """`before=<updated_at>_<id>` as given in `next_before`."""
    if not value:
        return None
    stamp, _, chat_id = value.rpartition("_")
    return datetime.fromisoformat(stamp), uuid.UUID(chat_id)


class ApiRoutes:
    """The handlers, over a sign-in service resolved on each request."""

    def __init__(self, service: Callable[[], AuthService]) -> None:
        self.service = service

    def authenticated(self, handler: Handler) -> Callable[[Request], Awaitable[Response]]:
        """Wrap a handler: resolve the user (401 if none), check Origin for cookie-authenticated changes."""

        async def endpoint(request: Request) -> Response:
            service = self.service()
            authorization = request.headers.get("authorization")
            if authorization:
                user = await service.user_from_authorization(authorization)
            else:
                user = await service.user_from_cookies(request.headers.get("cookie", ""))
                if user is not None and request.method in UNSAFE_METHODS and not same_origin(request, service.settings):
                    return json_error(
                        403, "bad_origin", "Changes with a session cookie must come from this app's pages."
                    )
            if user is None:
                return json_error(
                    401,
                    "unauthorized",
                    "Sign in, or send a bearer token or API key.",
                    **{"WWW-Authenticate": 'Bearer realm="data360-chat"'},
                )
            return await handler(request, user)

        return endpoint

    async def me(self, request: Request, user: CurrentUser) -> Response:
        return JSONResponse(
            {"id": str(user.id), "email": user.email, "display_name": user.display_name, "is_admin": user.is_admin},
            headers=NO_STORE,
        )

    async def chats(self, request: Request, user: CurrentUser) -> Response:
        unknown = sorted(set(request.query_params) - CHAT_LIST_PARAMETERS)
        if unknown:
            return json_error(400, "bad_request", f"Unknown query parameter {unknown[0]!r}: use q, limit or before.")
        try:
            limit = int(request.query_params.get("limit", "50"))
            before = _cursor(request.query_params.get("before"))
            if not 1 <= limit <= MAX_PAGE:
                raise ValueError(limit)
        except ValueError:
            return json_error(
                400, "bad_request", f"`limit` must be a number from 1 to {MAX_PAGE} and `before` a `next_before` value."
            )
        query = request.query_params.get("q", "").strip()
        async with self.service().database.session() as session:
            if query:
                rows = await search_chats(session, user.id, query[:200], limit=limit)
            else:
                rows = await list_chats(session, user.id, limit=limit, before=before)
        last = rows[-1] if rows and len(rows) == limit and not query else None
        next_before = f"{last.updated_at.isoformat()}_{last.id}" if last is not None else None
        return JSONResponse({"chats": [chat_json(c) for c in rows], "next_before": next_before}, headers=NO_STORE)

    async def chat(self, request: Request, user: CurrentUser) -> Response:
        chat_id = _chat_id(request)
        if chat_id is None:
            return not_found()
        async with self.service().database.session() as session:
            if request.method == "GET":
                chat = await get_chat(session, user.id, chat_id)
                return JSONResponse(chat_json(chat), headers=NO_STORE) if chat is not None else not_found()
            if request.method == "DELETE":
                try:
                    await delete_chat(session, user.id, chat_id)
                except NotFound:
                    return not_found()
                return Response(status_code=204, headers=NO_STORE)
            body = await read_json(request)
            title = body.get("title") if isinstance(body, dict) else None
            if not isinstance(title, str) or not title.strip():
                return json_error(400, "bad_request", 'Send JSON like {"title": "New title"}.')
            try:
                chat = await rename_chat(session, user.id, chat_id, title)
            except NotFound:
                return not_found()
            return JSONResponse(chat_json(chat), headers=NO_STORE)

    async def messages(self, request: Request, user: CurrentUser) -> Response:
        chat_id = _chat_id(request)
        if chat_id is None:
            return not_found()
        async with self.service().database.session() as session:
            conversation = await load_conversation(session, user.id, chat_id)
        if conversation is None:
            return not_found()
        body = [message_json(turn) for turn in conversation.turns]
        return JSONResponse({"chat_id": str(chat_id), "messages": body}, headers=NO_STORE)

    async def export(self, request: Request, user: CurrentUser) -> Response:
        chat_id = _chat_id(request)
        extension = request.path_params["format"]
        if chat_id is None or extension not in ("md", "json"):
            return not_found()
        async with self.service().database.session() as session:
            conversation = await readable_conversation(session, user.id, chat_id)
        if conversation is None:
            return not_found()
        if extension == "md":
            body = conversation_markdown(conversation, charts_url=f"{PREFIX}/charts")
            media_type = "text/markdown; charset=utf-8"
        else:
            messages = [message_json(turn) for turn in conversation.turns]
            body = json.dumps({"chat": chat_json(conversation.chat), "messages": messages}, ensure_ascii=False)
            media_type = "application/json"
        disposition = f'attachment; filename="{export_filename(conversation.chat.title, extension)}"'
        return Response(body, media_type=media_type, headers={**NO_STORE, "Content-Disposition": disposition})

    async def feedback(self, request: Request, user: CurrentUser) -> Response:
        message_id = path_row_id(request, "message_id")
        if message_id is None:
            return not_found()
        body = await read_json(request)
        rating = body.get("rating") if isinstance(body, dict) else None
        comment = body.get("comment", "") if isinstance(body, dict) else ""
        if type(rating) is not int or rating not in (1, -1) or not isinstance(comment, str):
            return json_error(
                400, "bad_request", 'Send JSON like {"rating": 1, "comment": "optional"} (rating 1 or -1).'
            )
        try:
            async with self.service().database.session() as session:
                await set_feedback(session, user.id, message_id, rating=rating, comment=comment)
        except NotFound:
            return not_found()
        return Response(status_code=204, headers=NO_STORE)

    async def _chart(self, request: Request, user: CurrentUser) -> Chart | None:
        """The user's chart named in the path (None: not theirs, or none)."""
        chart_id = path_row_id(request, "chart_id")
        if chart_id is None:
            return None
        async with self.service().database.session() as session:
            return await get_chart(session, user.id, chart_id)

    async def chart_csv(self, request: Request, user: CurrentUser) -> Response:
        chart = await self._chart(request, user)
        if chart is None or chart.id is None:
            return not_found()
        return Response(
            rows_to_csv(chart.data),
            media_type="text/csv; charset=utf-8",
            headers={
                **NO_STORE,
                "Content-Disposition": f'attachment; filename="{csv_filename(chart.title, chart.id)}"',
                "X-Content-Type-Options": "nosniff",
            },
        )

    async def chart_figure(self, request: Request, user: CurrentUser) -> Response:
        chart = await self._chart(request, user)
        if chart is None:
            return not_found()
        figure = {"data": chart.figure.get("data", []), "layout": chart.figure.get("layout", {})}
        return JSONResponse(figure, headers=NO_STORE)

    async def openapi(self, request: Request) -> Response:
        return JSONResponse(openapi_document(self.service().settings.max_message_chars, PREFIX))

    async def unknown(self, request: Request) -> Response:
        """404, or 405 (with `Allow`) for a path of the API asked with a method it does not take."""
        for route in self._routes:
            if isinstance(route, Route) and route.matches(request.scope)[0] == Match.PARTIAL:
                allowed = ", ".join(sorted(route.methods or ()))
                return json_error(
                    405, "method_not_allowed", f"{request.method} is not allowed here: use {allowed}.", Allow=allowed
                )
        return not_found()

    def routes(self) -> list[BaseRoute]:
        """The API routes (and a JSON 404 for any other path under the prefix)."""
        auth = self.authenticated
        ask = AskRoutes(lambda: self.service().settings)
        self._routes: list[BaseRoute] = [
            Route(f"{PREFIX}/me", auth(self.me), methods=["GET"]),
            Route(f"{PREFIX}/chats", auth(self.chats), methods=["GET"]),
            Route(f"{PREFIX}/chats/{{chat_id}}", auth(self.chat), methods=["GET", "PATCH", "DELETE"]),
            Route(f"{PREFIX}/chats/{{chat_id}}/messages", auth(self.messages), methods=["GET"]),
            Route(f"{PREFIX}/chats/{{chat_id}}/export.{{format}}", auth(self.export), methods=["GET"]),
            Route(f"{PREFIX}/messages/{{message_id}}/feedback", auth(self.feedback), methods=["PUT"]),
            Route(f"{PREFIX}/charts/{{chart_id}}.csv", auth(self.chart_csv), methods=["GET"]),
            Route(f"{PREFIX}/charts/{{chart_id}}.json", auth(self.chart_figure), methods=["GET"]),
            Route(f"{PREFIX}/ask", auth(ask.ask), methods=["POST"]),
            Route(f"{PREFIX}/ask/{{message_id}}", auth(ask.answer), methods=["GET"]),
            Route(f"{PREFIX}/ask/{{message_id}}/events", auth(ask.events), methods=["GET"]),
            Route(f"{PREFIX}/openapi.json", self.openapi, methods=["GET"]),
        ]
        return [*self._routes, Route(f"{PREFIX}/{{rest:path}}", self.unknown)]
