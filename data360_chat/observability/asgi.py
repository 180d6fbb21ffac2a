"""The ASGI wrapper that opens each request's log context and counts the pages' websockets.

Every HTTP request and websocket gets a request id (the client's `X-Request-ID` when it is well formed, else a
new one), bound for its log lines and sent back in `X-Request-ID`. A websocket on the page's event path counts in
`d360_connected_tabs` from its acceptance until it closes.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from data360_chat.observability import context, metrics

EVENT_PATH = "/_event"  # where Reflex's page opens its websocket


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers") or ():
        if key.lower() == name:
            return value.decode("latin-1")
    return None


def observed(app: ASGIApp) -> ASGIApp:
    """`app` with request ids and the count of connected tabs."""

    async def handle(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await app(scope, receive, send)
            return
        request_id = context.new_request_id(_header(scope, b"x-request-id"))
        context.bind_user(None)
        context.bind_chat(None)
        if scope["type"] == "http":

            async def send_with_id(message: Message) -> None:
                if message["type"] == "http.response.start":
                    message["headers"] = [*message.get("headers", []), (b"x-request-id", request_id.encode())]
                await send(message)

            await app(scope, receive, send_with_id)
            return
        if scope["path"].rstrip("/") != EVENT_PATH:
            await app(scope, receive, send)
            return
        accepted = False

        async def send_counted(message: Message) -> None:
            nonlocal accepted
            if message["type"] == "websocket.accept" and not accepted:
                accepted = True
                metrics.tab_connected()
            await send(message)

        try:
            await app(scope, receive, send_counted)
        finally:
            if accepted:
                metrics.tab_disconnected()

    return handle
