"""Answers shared between replicas through Redis: each answer's events in a Redis stream, Stop on a channel.

The replica that runs an answer appends its events to the stream `d360:answer:<chat id>:<message id>`; a follower on any
replica reads the stream from the start (the snapshot) and then blocks for what comes next. Stop requests are
published on `d360:answer-stop`; every replica listens and stops the answer if it runs it. Redis failing never
stops an answer: sharing it stops (followers elsewhere read the database), and listening resumes when Redis returns.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import uuid
from collections.abc import AsyncIterator, Callable

from redis.asyncio import Redis
from redis.asyncio.client import PubSub
from redis.exceptions import RedisError

from data360_chat.assistant.events import AnswerDone, AnswerEvent
from data360_chat.streams.codec import decode, encode
from data360_chat.streams.log import AnswerLog
from data360_chat.streams.state import AnswerSnapshot

log = logging.getLogger(__name__)

STOP_CHANNEL = "d360:answer-stop"
FINISHED_TTL = 120  # seconds a finished answer's stream is kept for late followers
CLOSE_WAIT = 10.0  # seconds `close()` waits for answers still being shared


def stream_key(chat_id: uuid.UUID | None, message_id: int) -> str:
    """The Redis stream of an answer's events."""
    return f"d360:answer:{chat_id}:{message_id}"


class Relay:
    """One replica's side of the shared streams."""

    def __init__(self, client: Redis, *, running_ttl: int) -> None:
        self.client = client
        self.running_ttl = running_ttl
        self._forwarding: set[asyncio.Task[None]] = set()
        self._listening: asyncio.Task[None] | None = None

    async def share(self, answer: AnswerLog) -> None:
        """Publish the answer's first event now and the rest as they come (in the background)."""
        try:
            await self.publish(stream_key(answer.started.chat_id, answer.started.message_id), [answer.started])
        except RedisError as exc:
            log.warning("answer %s is not shared through Redis: %s", answer.started.message_id, exc)
            return
        task = asyncio.create_task(self._forward(answer))
        self._forwarding.add(task)
        task.add_done_callback(self._forwarding.discard)

    async def _forward(self, answer: AnswerLog) -> None:
        try:
            await self.forward(answer, 1)
        except RedisError as exc:
            log.warning("sharing answer %s through Redis stopped: %s", answer.started.message_id, exc)

    async def serve_stops(self, stop: Callable[[uuid.UUID, uuid.UUID], None]) -> None:
        """Call `stop(user_id, chat_id)` for every Stop asked on any replica, from now until `close()` (from when
        Redis answers, if it does not now)."""
        try:
            pubsub: PubSub | None = await self.listen_for_stops()
        except RedisError as exc:
            log.warning("cannot listen for Stop requests yet (%s); trying again", exc)
            pubsub = None
        self._listening = asyncio.create_task(self._serve_stops(pubsub, stop))

    async def _serve_stops(self, pubsub: PubSub | None, stop: Callable[[uuid.UUID, uuid.UUID], None]) -> None:
        while True:
            if pubsub is None:
                pubsub = await self._listen_again()
            try:
                async for user_id, chat_id in self.stop_requests(pubsub):
                    stop(user_id, chat_id)
            except RedisError as exc:
                log.warning("listening for Stop requests failed (%s); trying again", exc)
            pubsub = None

    async def _listen_again(self) -> PubSub:
        """A new Stop subscription, once Redis answers again."""
        while True:
            await asyncio.sleep(1.0)
            with contextlib.suppress(RedisError):
                return await self.listen_for_stops()

    async def close(self) -> None:
        """Finish sharing the answers that ended (waiting a little), stop listening, disconnect."""
        if self._forwarding:
            await asyncio.wait(self._forwarding, timeout=CLOSE_WAIT)
        tasks = [*self._forwarding, *([self._listening] if self._listening else [])]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await self.client.aclose()

    async def publish(self, key: str, events: list[AnswerEvent]) -> None:
        """Append events to an answer's stream in one round trip (keeping it briefly once the answer ended)."""
        async with self.client.pipeline(transaction=False) as pipe:
            for event in events:
                pipe.xadd(key, {"e": encode(event)})
            pipe.expire(key, FINISHED_TTL if isinstance(events[-1], AnswerDone) else self.running_ttl)
            await pipe.execute()

    async def forward(self, answer: AnswerLog, position: int) -> None:
        """Publish the answer's events from `position` on as they come, batched while a write is in flight."""
        key = stream_key(answer.started.chat_id, answer.started.message_id)
        while True:
            await answer.wait_beyond(position)
            batch = answer.events[position:]
            position += len(batch)
            await self.publish(key, batch)
            if isinstance(batch[-1], AnswerDone):
                return

    async def batches(self, key: str, *, block_ms: int) -> AsyncIterator[list[AnswerEvent]]:
        """The stream so far as one batch, then new batches; an empty batch after `block_ms` without news.

        Yields nothing if the stream does not appear within `block_ms` (the answer is not shared, or is gone).
        Ends after `AnswerDone`.
        """
        entries = await self.client.xrange(key)
        if not entries:  # the replica running the answer may be about to publish its start
            found = await self.client.xread({key: "0-0"}, block=block_ms)
            if not found:
                return
            entries = found[0][1]
        last = entries[-1][0]
        while True:
            batch = [decode(fields[b"e"]) for _, fields in entries]
            yield batch
            if batch and isinstance(batch[-1], AnswerDone):
                return
            last = entries[-1][0] if entries else last
            found = await self.client.xread({key: last}, block=block_ms)
            entries = found[0][1] if found else []

    async def text_of(self, chat_id: uuid.UUID, message_id: int) -> str | None:
        """The text of an answer as its stream carries it (None when the stream is gone or Redis fails)."""
        try:
            entries = await self.client.xrange(stream_key(chat_id, message_id))
        except RedisError as exc:
            log.warning("the text of answer %s could not be read from Redis: %s", message_id, exc)
            return None
        return AnswerSnapshot.of(decode(fields[b"e"]) for _, fields in entries).text if entries else None

    async def request_stop(self, user_id: uuid.UUID, chat_id: uuid.UUID) -> None:
        """Ask every replica to stop the chat's answer."""
        await self.client.publish(STOP_CHANNEL, json.dumps({"user_id": str(user_id), "chat_id": str(chat_id)}))

    async def listen_for_stops(self) -> PubSub:
        """A subscription to Stop requests; they are heard from the moment this returns."""
        pubsub = self.client.pubsub()
        await pubsub.subscribe(STOP_CHANNEL)
        return pubsub

    @staticmethod
    async def stop_requests(pubsub: PubSub) -> AsyncIterator[tuple[uuid.UUID, uuid.UUID]]:
        """`(user_id, chat_id)` of each Stop asked for on the subscription; closes it when the caller stops."""
        try:
            async for message in pubsub.listen():
                if message.get("type") != "message":
                    continue
                try:
                    request = json.loads(message["data"])
                    yield uuid.UUID(request["user_id"]), uuid.UUID(request["chat_id"])
                except (ValueError, KeyError, TypeError):
                    log.warning("ignored a malformed stop request")
        finally:
            await pubsub.aclose()
