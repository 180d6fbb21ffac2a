"""An answer as Server-Sent Events: `response.created`, `response.output_text.delta`, `response.tool_call.started`,
`response.tool_call.completed`, `response.chart`, `response.error`, `response.completed`; a comment line every
`heartbeat` seconds while nothing happens.

Each event's `id` is a cursor: what the client has received so far of the answer (characters of text, tool calls
started and completed, charts, whether the end was sent). Whatever the answer is followed from (this
process, Redis, the database), a client reconnecting with `Last-Event-ID` gets only what that cursor lacks.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import asdict, dataclass
from typing import Any

from data360_chat.assistant.events import AnswerEvent
from data360_chat.chats.answers import chart_link
from data360_chat.chats.service import Refused
from data360_chat.streams import AnswerSnapshot

log = logging.getLogger(__name__)

HEARTBEAT = b": keep-alive\n\n"
CURSOR_PATTERN = r"^[0-9]{1,12}\.[0-9]{1,6}\.[0-9a-f]{1,1000}\.[0-9]{1,6}\.[0-2]$"
CURSOR = re.compile(CURSOR_PATTERN.strip("^$"))
GONE = "The answer is no longer available."
BROKEN = "The answer could not be followed just now: reconnect with the last event's id as Last-Event-ID."
SSE_HEADERS = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}

Frame = tuple[str, dict[str, Any]]


class BadCursor(ValueError):
    """A `Last-Event-ID` this stream did not send."""


@dataclass
class Cursor:
    """What a client has of an answer; `finished` has bit i set once the i-th tool call's end was sent; `ended` is
    1 once `response.error` was sent, 2 once `response.completed` was."""

    text: int = 0
    started: int = 0
    finished: int = 0
    charts: int = 0
    ended: int = 0

    def encode(self) -> str:
        """The event id."""
        return f"{self.text}.{self.started}.{self.finished:x}.{self.charts}.{self.ended}"

    @classmethod
    def parse(cls, value: str) -> Cursor:
        """The cursor an event id stands for (`BadCursor` for anything else)."""
        if not CURSOR.fullmatch(value.strip()):
            raise BadCursor("Last-Event-ID is not an event id of this stream.")
        text, started, finished, charts, ended = value.strip().split(".")
        return cls(int(text), int(started), int(finished, 16), int(charts), int(ended))


def frame(name: str, data: dict[str, Any], cursor: Cursor) -> bytes:
    """One event in the wire format."""
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=str)
    return f"id: {cursor.encode()}\nevent: {name}\ndata: {body}\n\n".encode()


def catch_up(snapshot: AnswerSnapshot, cursor: Cursor) -> Iterator[Frame]:
    """The events that bring a client at `cursor` up to `snapshot` (the end aside); the cursor is advanced before
    each is yielded, so it is that event's id."""
    text = snapshot.text
    if len(text) > cursor.text:
        offset, cursor.text = cursor.text, len(text)
        yield "response.output_text.delta", {"delta": text[offset:], "offset": offset}
    for index, step in enumerate(snapshot.tools.values()):
        if index >= cursor.started:
            cursor.started = index + 1
            started = {"call_id": step.call_id, "name": step.name, "arguments": step.arguments}
            yield "response.tool_call.started", started
        if step.status != "running" and not cursor.finished >> index & 1:
            cursor.finished |= 1 << index
            yield (
                "response.tool_call.completed",
                {
                    "call_id": step.call_id,
                    "name": step.name,
                    "status": step.status,
                    "duration_ms": step.duration_ms,
                    "error": step.error,
                },
            )
    for chart in snapshot.charts[cursor.charts :]:
        cursor.charts += 1
        yield "response.chart", asdict(chart_link(chart.chart_id, chart.title))


async def _pump(items: AsyncIterator[AnswerSnapshot | AnswerEvent], inbox: asyncio.Queue[Any]) -> None:
    """Move the answer's items into `inbox`; then None, or the exception that ended them."""
    try:
        async with contextlib.aclosing(items):  # type: ignore[type-var]
            async for item in items:
                inbox.put_nowait(item)
    except Refused as exc:
        inbox.put_nowait(exc)
    except Exception as exc:
        log.warning("following an answer for a stream failed: %s", exc)
        inbox.put_nowait(exc)
    else:
        inbox.put_nowait(None)


async def answer_stream(
    items: AsyncIterator[AnswerSnapshot | AnswerEvent],
    cursor: Cursor,
    *,
    fresh: bool,
    final: Callable[[], Awaitable[dict[str, Any]]],
    heartbeat: float,
) -> AsyncIterator[bytes]:
    """The answer's events from `cursor` on (`fresh`: starting with `response.created`), until it ends.

    Closing this stream (the client went away) stops following; the answer goes on.
    """
    inbox: asyncio.Queue[Any] = asyncio.Queue()
    pump = asyncio.create_task(_pump(items, inbox))
    snapshot = AnswerSnapshot()
    try:
        while True:
            try:
                item = await asyncio.wait_for(inbox.get(), heartbeat)
            except TimeoutError:
                yield HEARTBEAT
                continue
            if item is None or isinstance(item, Refused):
                yield frame("response.error", {"message": GONE}, cursor)
                return
            if isinstance(item, Exception):
                yield frame("response.error", {"message": BROKEN}, cursor)
                return
            if isinstance(item, AnswerSnapshot):
                snapshot = item
            else:
                snapshot.apply(item)
            if fresh:
                fresh = False
                created = {"chat_id": snapshot.chat_id, "message_id": snapshot.message_id, "model": snapshot.model}
                yield frame("response.created", {**created, "status": "streaming"}, cursor)
            for name, data in catch_up(snapshot, cursor):
                yield frame(name, data, cursor)
            if snapshot.done is None:
                continue
            if snapshot.failure and cursor.ended < 1:
                cursor.ended = 1
                yield frame("response.error", {"message": snapshot.failure}, cursor)
            if cursor.ended < 2:
                try:
                    result = await final()
                except Refused:
                    yield frame("response.error", {"message": GONE}, cursor)
                    return
                cursor.ended = 2
                yield frame("response.completed", result, cursor)
            return
    finally:
        pump.cancel()
        await asyncio.gather(pump, return_exceptions=True)
