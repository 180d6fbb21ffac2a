"""Reflex's upload route (`/_upload`) for signed-in people only: a request whose own session cookie is not live is
refused (401) before the file is read. The upload's event then takes the user from the tab's session, as every
event does."""

from __future__ import annotations

from collections.abc import Callable

from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from data360_chat.auth.service import AuthService
from data360_chat.web.errors import json_error

UPLOAD_ROUTE = "/_upload"


def upload_gate(app: ASGIApp, service: Callable[[], AuthService]) -> ASGIApp:
    """`app` answering 401 to uploads sent without a live session."""

    async def gated(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope.get("path") == UPLOAD_ROUTE:
            cookies = Request(scope).headers.get("cookie", "")
            if await service().user_from_cookies(cookies) is None:
                await json_error(401, "unauthenticated", "Sign in to upload files.")(scope, receive, send)
                return
        await app(scope, receive, send)

    return gated
