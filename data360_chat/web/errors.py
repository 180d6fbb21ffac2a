"""Every error the app's HTTP routes answer: a JSON body with a message under `/api/`, a small page elsewhere.

`server_error` is the handler for anything a route did not expect: the database being down is a 503 that says so;
anything else a 500 that names nothing internal. Request bodies are read through `read_json`, which answers None
for anything that is not JSON, however deeply nested.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response

from data360_chat.db.engine import is_unavailable
from data360_chat.rate_limits import RateLimited
from data360_chat.web.message_page import message_page

log = logging.getLogger(__name__)

NO_STORE = {"Cache-Control": "no-store"}
API_PREFIX = "/api/"
UNAVAILABLE = "The database cannot be reached right now. Try again in a minute."
BROKEN = "Something went wrong on the server. Try again; if it keeps happening, tell your administrator."


def json_error(status: int, code: str, message: str, **headers: str) -> JSONResponse:
    """A JSON error body: `{"error": code, "message": text}`."""
    return JSONResponse({"error": code, "message": message}, status_code=status, headers={**NO_STORE, **headers})


def not_found() -> JSONResponse:
    """The one answer for missing rows and other people's rows alike."""
    return json_error(404, "not_found", "Not found.")


def error_for(path: str, status: int, code: str, message: str, *, title: str) -> Response:
    """The error as the caller of `path` reads it: JSON for the API, a page for a browser."""
    if path.startswith(API_PREFIX):
        return json_error(status, code, message)
    return message_page(title, message, link="/", link_text="Back to Data360 Chat", status_code=status)


async def server_error(request: Request, exc: Exception) -> Response:
    """What a route that failed unexpectedly answers (Starlette's handler for uncaught exceptions)."""
    if is_unavailable(exc):
        log.warning("%s %s: the database is unavailable (%s)", request.method, request.url.path, exc)
        return error_for(request.url.path, 503, "unavailable", UNAVAILABLE, title="Temporarily unavailable")
    log.error("%s %s failed", request.method, request.url.path, exc_info=exc)
    return error_for(request.url.path, 500, "internal_error", BROKEN, title="Something went wrong")


async def http_error(request: Request, exc: Exception) -> Response:
    """Starlette's own refusals (a method a route does not take ...): JSON under `/api/`, plain text elsewhere."""
    assert isinstance(exc, HTTPException)
    if request.url.path.startswith(API_PREFIX):
        code = "method_not_allowed" if exc.status_code == 405 else "http_error"
        response: Response = json_error(exc.status_code, code, str(exc.detail))
    else:
        response = PlainTextResponse(str(exc.detail), status_code=exc.status_code)
    response.headers.update(exc.headers or {})
    return response


async def rate_limited(request: Request, exc: Exception) -> Response:
    """A limit reached anywhere: 429 with `Retry-After`."""
    assert isinstance(exc, RateLimited)
    response = error_for(
        request.url.path,
        429,
        "rate_limited",
        f"Too many requests: try again in {exc.retry_after} s.",
        title="Too many requests",
    )
    response.headers["Retry-After"] = str(exc.retry_after)
    return response


async def read_json(request: Request) -> Any:
    """The request's JSON body, or None when it is not JSON (malformed, not UTF-8, or nested too deeply to read)."""
    try:
        return json.loads(await request.body())
    except (ValueError, RecursionError):
        return None
