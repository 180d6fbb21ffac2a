"""Request bodies larger than the limit are refused (413) before the app reads them.

A declared `Content-Length` over the limit is refused at once; a body without one (chunked) is read up to the
limit and refused as soon as it passes it. Before answering, what the client is still sending is read and thrown
away (a bounded amount, for a bounded time, as nginx's lingering close does): a server that closes a connection with
unread bytes makes the client's system reset it, and the client would lose the answer. Websocket traffic is not
concerned (Socket.IO has its own limit).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from data360_chat.web.errors import error_for

_DRAIN_BYTES = 64 * 1024 * 1024
_DRAIN_SECONDS = 5.0


async def _drain(receive: Receive) -> None:
    """Read and discard the rest of the request body, up to `_DRAIN_BYTES` or `_DRAIN_SECONDS`."""
    drained = 0
    try:
        async with asyncio.timeout(_DRAIN_SECONDS):
            while drained <= _DRAIN_BYTES:
                message = await receive()
                if message["type"] != "http.request" or not message.get("more_body", False):
                    return
                drained += len(message.get("body", b""))
    except TimeoutError:
        return


async def _refuse(scope: Scope, receive: Receive, send: Send, limit: int) -> None:
    await _drain(receive)
    await _too_large(scope, limit)(scope, receive, send)


def _too_large(scope: Scope, limit: int) -> Response:
    mib = limit / (1024 * 1024)
    size = f"{mib:g} MiB" if mib >= 1 else f"{limit // 1024} KiB"
    return error_for(
        scope.get("path", ""), 413, "too_large", f"The request is larger than {size}.", title="Request too large"
    )


def limit_request_bodies(app: ASGIApp, max_bytes: Callable[[str], int]) -> ASGIApp:
    """`app` refusing HTTP request bodies over `max_bytes(path)` bytes."""

    async def limited(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        limit = max_bytes(scope.get("path", ""))
        headers = dict(scope.get("headers", []))
        declared = headers.get(b"content-length")
        if declared is not None:
            if not declared.isdigit() or int(declared) > limit:
                await _refuse(scope, receive, send, limit)
                return
            await app(scope, receive, send)
            return
        if b"chunked" not in headers.get(b"transfer-encoding", b""):
            await app(scope, receive, send)
            return
        body: list[bytes] = []
        size, more = 0, True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                break
            size += len(message.get("body", b""))
            more = message.get("more_body", False)
            if size > limit:
                await (_refuse(scope, receive, send, limit) if more else _too_large(scope, limit)(scope, receive, send))
                return
            body.append(message.get("body", b""))
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": b"".join(body), "more_body": False}
            return await receive()

        await app(scope, replay, send)

    return limited
