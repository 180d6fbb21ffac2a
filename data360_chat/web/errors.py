"""Every error the app's HTTP routes answer: a JSON body with a message under `/api/`, a small page elsewhere.

`server_error` is the handler for anything a route did not expect: the database being down is a 503 that says so;
anything else a 500 that names nothing internal. Request bodies are read through `read_json`, which answers None
for anything that is not JSON, however deeply nested.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from data360_chat.db.engine import is_unavailable
from data360_chat.web.message_page import message_page

log = logging.getLogger(__name__)

NO_STORE = {"Cache-Control": "no-store"}
API_PREFIX = "/api/"
UNAVAILABLE = "The database cannot be reached right now. Try again in a minute."
BROKEN = "Something went wrong on the server. Try again; if it keeps happening, tell your administrator."


def json_error(status: int, code: str, message: str, **headers: str) -> JSONResponse:
    """A JSON error body: `{"error": code, "message": text}`."""
    return JSONResponse({"error": code, "message": message}, status_code=status, headers={**NO_STORE, **headers})


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


async def read_json(request: Request) -> Any:
    """The request's JSON body, or None when it is not JSON (malformed, not UTF-8, or nested too deeply to read)."""
    try:
        return json.loads(await request.body())
    except (ValueError, RecursionError):
        return None
