"""An answer as the database has it, turned into the events a follower has not seen yet.

Used when no live stream of the answer is at hand: it has ended, it runs on a replica this one cannot hear (no
Redis), or its replica went quiet. The text of a streaming answer is saved every 2 s, so polling shows it grow.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

from data360_chat.assistant.events import (
    ENDED_STATUSES,
    AnswerDone,
    AnswerEvent,
    AnswerFailed,
    AnswerStarted,
    ChartReady,
    SourcesReady,
    TextDelta,
    ToolFinished,
    ToolStarted,
    UsageReported,
)
from data360_chat.assistant.offline_model import OFFLINE_MODEL
from data360_chat.db.engine import Database
from data360_chat.repositories import NotFound
from data360_chat.repositories.chats import get_chat
from data360_chat.repositories.conversations import Answer
from data360_chat.repositories.conversations import load_answer as read_answer
from data360_chat.repositories.messages import get_message, list_messages
from data360_chat.streams.state import AnswerSnapshot

INTERRUPTED = "The answer stopped before it was finished."


async def last_answer(database: Database, user_id: uuid.UUID, chat_id: uuid.UUID) -> Answer | None:
    """The chat's last answer (None if it has none); `NotFound` unless the chat is the user's."""
    async with database.session() as session:
        if await get_chat(session, user_id, chat_id) is None:
            raise NotFound("chat")
        recent = await list_messages(session, user_id, chat_id, last=1)
        if not recent or recent[-1].role != "assistant" or recent[-1].id is None:
            return None
        return await read_answer(session, user_id, recent[-1].id)


async def load_answer(database: Database, user_id: uuid.UUID, message_id: int) -> Answer | None:
    """The answer with this id in one of the user's chats, or None (deleted)."""
    async with database.session() as session:
        return await read_answer(session, user_id, message_id)


async def still_streaming(database: Database, user_id: uuid.UUID, message_id: int) -> bool:
    """Whether the answer exists and is still being written."""
    async with database.session() as session:
        message = await get_message(session, user_id, message_id)
    return message is not None and message.status == "streaming"


def unseen_events(stored: Answer, seen: AnswerSnapshot) -> list[AnswerEvent]:
    """The events that bring a follower who has seen `seen` up to `stored` (ending it if the answer ended)."""
    message, turn = stored.turn.message, stored.turn
    assert message.id is not None
    events: list[AnswerEvent] = []
    if seen.message_id is None:
        model = message.model or ""
        events.append(AnswerStarted(message.chat_id, stored.question_id, message.id, model, model == OFFLINE_MODEL))
    text = seen.text
    if len(message.content) > len(text) and message.content.startswith(text):
        events.append(TextDelta(message.content[len(text) :]))
    for call in turn.tool_calls:
        step = seen.tools.get(call.call_id)
        if step is None:
            events.append(ToolStarted(call.call_id, call.id, call.tool_name, call.arguments or {}))
        if call.status != "running" and (step is None or step.status == "running"):
            ok = call.status == "ok"
            events.append(ToolFinished(call.call_id, call.id, call.tool_name, ok, call.duration_ms or 0, call.error))
    shown = {chart.chart_id for chart in seen.charts}
    for chart in turn.charts:
        if chart.id not in shown:
            events.append(ChartReady(chart.id, chart.title, chart.figure, chart.source or {}, "", len(chart.data)))
    if not turn.streaming and seen.done is None:
        if message.sources is not None:
            events.append(SourcesReady(message.sources))
        events.append(UsageReported(message.prompt_tokens, message.completion_tokens))
        if message.status == "error":
            events.append(AnswerFailed(message.error or INTERRUPTED))
        status = next((known for known in ENDED_STATUSES if known == message.status), "error")
        checks = message.number_checks or []
        flagged = [check["text"] for check in checks if check.get("kind") == "unverified"]
        events.append(AnswerDone(message.id, status, message.latency_ms or 0, message.grounded_share, flagged, checks))
    return events


async def polled_batches(
    database: Database, user_id: uuid.UUID, stored: Answer, seen: AnswerSnapshot, interval: float
) -> AsyncIterator[list[AnswerEvent]]:
    """What the database shows of the answer, then what it adds every `interval` seconds, until it ends.

    `seen` is what the follower already has; it is kept up to date. Ends quietly if the answer is deleted.
    """
    first = True
    while True:
        batch = unseen_events(stored, seen)
        for event in batch:
            seen.apply(event)
        if batch or first:
            yield batch
        first = False
        if seen.done is not None:
            return
        await asyncio.sleep(interval)
        reloaded = await load_answer(database, user_id, stored.turn.id)
        if reloaded is None:
            return
        stored = reloaded
