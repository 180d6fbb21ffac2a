"""Following an answer from wherever it runs: this process's log, the Redis stream of another replica, or the
database (without Redis, or when the stream goes quiet).

Each source gives batches of events: everything so far first, then what comes, ending with `AnswerDone`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import AsyncIterator

from redis.exceptions import RedisError

from data360_chat.assistant.events import AnswerEvent
from data360_chat.db.engine import Database
from data360_chat.repositories.conversations import Answer
from data360_chat.streams.log import AnswerLog
from data360_chat.streams.relay import Relay, stream_key
from data360_chat.streams.state import AnswerSnapshot
from data360_chat.streams.stored import last_answer, load_answer, polled_batches, unseen_events

log = logging.getLogger(__name__)

POLL_INTERVAL = 1.0  # seconds between two reads of an answer followed through the database
QUIET_CHECK = 5.0  # seconds without news on a Redis stream before the database is asked how the answer is
REDIS_WAIT_MS = 1000  # longest single wait on a Redis stream (and for a just-started answer's stream to appear)


async def answer_batches(
    database: Database,
    relay: Relay | None,
    user_id: uuid.UUID,
    chat_id: uuid.UUID,
    running: AnswerLog | None,
) -> AsyncIterator[list[AnswerEvent]]:
    """The chat's last answer as batches of events; `running` is its log when it runs in this process.

    Yields nothing if the chat has no answer; `NotFound` unless the chat is the user's.
    """
    if running is not None:
        async with contextlib.aclosing(running.batches()) as batches:
            async for batch in batches:
                yield batch
        return
    stored = await last_answer(database, user_id, chat_id)
    if stored is None:
        return
    seen = AnswerSnapshot()
    if stored.turn.streaming and relay is not None:
        try:
            async with contextlib.aclosing(_relayed(database, relay, user_id, stored, seen)) as batches:
                async for batch in batches:
                    yield batch
        except RedisError as exc:
            log.warning("following answer %s through Redis failed (%s); reading the database", stored.turn.id, exc)
        else:
            if seen.message_id is not None:
                return
    async with contextlib.aclosing(polled_batches(database, user_id, stored, seen, POLL_INTERVAL)) as batches:
        async for batch in batches:
            yield batch


async def _relayed(
    database: Database, relay: Relay, user_id: uuid.UUID, stored: Answer, seen: AnswerSnapshot
) -> AsyncIterator[list[AnswerEvent]]:
    """The answer's Redis stream; if it goes quiet, the database says whether the answer still runs."""
    loop = asyncio.get_running_loop()
    quiet_since = loop.time()
    key = stream_key(stored.turn.message.chat_id, stored.turn.id)
    async for batch in relay.batches(key, block_ms=REDIS_WAIT_MS):
        if batch:
            for event in batch:
                seen.apply(event)
            yield batch
            quiet_since = loop.time()
            continue
        if loop.time() - quiet_since < QUIET_CHECK:
            continue
        reloaded = await load_answer(database, user_id, stored.turn.id)
        if reloaded is None or not reloaded.turn.streaming:
            ending = [] if reloaded is None else unseen_events(reloaded, seen)
            for event in ending:
                seen.apply(event)
            yield ending
            return
        quiet_since = loop.time()
