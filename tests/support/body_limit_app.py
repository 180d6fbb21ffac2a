"""A small app behind the request body limit (1 MiB), for serving with the app's own HTTP server (granian)."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from data360_chat.web.body_limit import limit_request_bodies

LIMIT = 1024 * 1024


async def echo_size(request: Request) -> PlainTextResponse:
    return PlainTextResponse(str(len(await request.body())))


app = limit_request_bodies(Starlette(routes=[Route("/", echo_size, methods=["POST", "PATCH"])]), lambda _path: LIMIT)
