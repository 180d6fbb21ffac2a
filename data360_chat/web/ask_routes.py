"""Asking from a program: `POST /api/v1/ask` answers as one JSON body or as Server-Sent Events; an answer can be read
again (`GET /api/v1/ask/{message_id}`) or followed again from any event (`GET /api/v1/ask/{message_id}/events` with
`Last-Event-ID`). Questions go through the same facade as the chat page, so the answer is stored in the chat and
shows there; a client that goes away does not stop it.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Callable
from typing import Any

from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse

from data360_chat.assistant.events import AnswerDone
from data360_chat.auth.identity import CurrentUser
from data360_chat.chats import service as chats
from data360_chat.chats.answers import answer_result, follow_answer
from data360_chat.settings import Settings
from data360_chat.streams import AnswerSnapshot
from data360_chat.web.answer_events import SSE_HEADERS, BadCursor, Cursor, answer_stream
from data360_chat.web.api_schemas import AskRequest, AskResult
from data360_chat.web.errors import NO_STORE, json_error, not_found, read_json
from data360_chat.web.requests import path_row_id

REFUSALS = {  # a facade refusal's reason → HTTP status and error code
    "gone": (404, "not_found"),
    "invalid": (400, "bad_request"),
    "nothing": (400, "bad_request"),
    "too_long": (413, "too_large"),
    "busy": (409, "chat_busy"),
    "too_many": (429, "too_many_answers"),
    "rate_limited": (429, "rate_limited"),
}
ASK_EXAMPLE = 'Send JSON like {"question": "Population of Kenya since 2000", "chat_id": null, "stream": false}.'


def refusal(exc: chats.Refused) -> JSONResponse:
    """A facade refusal as the API answers it (with `Retry-After` when waiting helps)."""
    status, code = REFUSALS.get(exc.reason, (400, "bad_request"))
    headers = {"Retry-After": str(exc.retry_after)} if exc.retry_after else {}
    return json_error(status, code, str(exc), **headers)


def parse_ask(body: Any) -> AskRequest | str:
    """The request, or a sentence saying what is wrong with it."""
    try:
        return AskRequest.model_validate(body)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'body'}: {e['msg']}" for e in exc.errors())
        return f"{problems}. {ASK_EXAMPLE}"


class AskRoutes:
    """The ask handlers (wrapped by `ApiRoutes.authenticated`)."""

    def __init__(self, settings: Callable[[], Settings]) -> None:
        self.settings = settings

    async def _result(self, user_id: uuid.UUID, message_id: int) -> dict[str, Any]:
        result = await answer_result(user_id, message_id)
        return AskResult.model_validate(result).model_dump(mode="json")

    def _events(self, user_id: uuid.UUID, message_id: int, cursor: Cursor, *, fresh: bool) -> StreamingResponse:
        stream = answer_stream(
            follow_answer(user_id, message_id),
            cursor,
            fresh=fresh,
            final=lambda: self._result(user_id, message_id),
            heartbeat=self.settings().sse_heartbeat_seconds,
        )
        return StreamingResponse(stream, media_type="text/event-stream", headers=SSE_HEADERS)

    async def ask(self, request: Request, user: CurrentUser) -> Response:
        """`POST /ask`: start the answer, then stream it or wait for its end."""
        asked = parse_ask(await read_json(request))
        if isinstance(asked, str):
            return json_error(400, "bad_request", asked)
        try:
            started = await chats.ask(user.id, asked.chat_id, asked.question)
        except chats.Refused as exc:
            return refusal(exc)
        if asked.stream:
            return self._events(user.id, started.answer_id, Cursor(), fresh=True)
        with contextlib.suppress(chats.Refused):  # deleted meanwhile: `answer_result` says so
            async with contextlib.aclosing(follow_answer(user.id, started.answer_id)) as items:
                async for item in items:
                    if isinstance(item, AnswerDone) or (isinstance(item, AnswerSnapshot) and item.done is not None):
                        break
        return await self.answer(request, user, started.answer_id)

    async def answer(self, request: Request, user: CurrentUser, message_id: int | None = None) -> Response:
        """`GET /ask/{message_id}`: the answer as stored now (`status` says whether it is still being written)."""
        message_id = message_id or path_row_id(request, "message_id")
        if message_id is None:
            return not_found()
        try:
            return JSONResponse(await self._result(user.id, message_id), headers=NO_STORE)
        except chats.Refused as exc:
            return refusal(exc)

    async def events(self, request: Request, user: CurrentUser) -> Response:
        """`GET /ask/{message_id}/events`: the answer's events again, after `Last-Event-ID` when given."""
        message_id = path_row_id(request, "message_id")
        if message_id is None:
            return not_found()
        last = request.headers.get("last-event-id")
        try:
            cursor = Cursor.parse(last) if last else Cursor()
            await answer_result(user.id, message_id)  # 404 before the stream starts, not inside it
        except BadCursor as exc:
            return json_error(400, "bad_request", str(exc))
        except chats.Refused as exc:
            return refusal(exc)
        return self._events(user.id, message_id, cursor, fresh=not last)
