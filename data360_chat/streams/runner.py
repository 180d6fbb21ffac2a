"""The process-wide runner of answers: each answer is a background task that no page or tab owns.

`start()` (or `start_regenerate()`, `start_edit()`) launches the answer and returns once it is stored as streaming;
closing or reloading the tab that asked does not stop it. Any number of followers (`subscribe()` for every event,
`follow()` for updates batched on a timer) get what the answer produced so far, then what comes next. `stop()`
cancels it from any tab. With Redis, events are shared through Redis streams and Stop reaches the replica that runs
the answer; without it, followers of an answer running elsewhere see it grow from the database. The database's
one-streaming-answer-per-chat index decides which of two simultaneous starts wins. Every few seconds the runner
marks its answers alive and turns answers nobody has marked for a while (their replica died) into errors.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache
from typing import TypeAlias

from redis.asyncio import Redis
from redis.asyncio.client import PubSub
from redis.exceptions import RedisError

from data360_chat.assistant import pipeline
from data360_chat.assistant.events import AnswerDone, AnswerEvent, AnswerFailed, AnswerStarted
from data360_chat.assistant.tool_runs import ToolHub
from data360_chat.db.engine import Database, get_database
from data360_chat.db.models import utcnow
from data360_chat.mcp_client.hub import close_hub
from data360_chat.repositories import NotFound
from data360_chat.repositories.messages import ChatBusy, interrupt_stale_answers, update_message
from data360_chat.settings import Settings, get_settings
from data360_chat.streams.coalesce import coalesced
from data360_chat.streams.log import AnswerLog
from data360_chat.streams.relay import Relay, stream_key
from data360_chat.streams.state import AnswerSnapshot, AnswerUpdate
from data360_chat.streams.stored import (
    StoredAnswer,
    last_answer,
    load_answer,
    polled_batches,
    still_streaming,
    unseen_events,
)

log = logging.getLogger(__name__)

FLUSH_INTERVAL = 0.1  # seconds between two updates of `follow()`: about 10 a second
HEARTBEAT_INTERVAL = 5.0  # seconds between two "still running" marks on this replica's answers
STALE_AFTER = 30.0  # an answer not marked for this long is taken as left behind by a stopped replica
POLL_INTERVAL = 1.0  # seconds between two reads of an answer followed through the database
QUIET_CHECK = 5.0  # seconds without news on a Redis stream before the database is asked how the answer is
REDIS_WAIT_MS = 1000  # longest single wait on a Redis stream (and for a just-started answer's stream to appear)
STOP_WAIT = 10.0  # seconds `stop()` waits for the answer to end

BUSY = "An answer is already being written in this chat."
BROKEN = "Something went wrong while writing this answer. Please try again."

Events: TypeAlias = AsyncIterator[AnswerEvent]


@dataclass
class _Running:
    """An answer running in this process."""

    log: AnswerLog
    task: asyncio.Task[None]


class AnswerRunner:
    """Starts answers as background tasks and lets any number of tabs follow and stop them."""

    def __init__(
        self,
        *,
        settings: Settings | None = None,
        database: Database | None = None,
        hub: ToolHub | None = None,
        heartbeat_interval: float = HEARTBEAT_INTERVAL,
        stale_after: float = STALE_AFTER,
    ) -> None:
        """`database` and `hub` default to the process-wide ones, resolved on first use."""
        self.settings = settings or get_settings()
        self._database = database
        self._hub = hub
        self.heartbeat_interval = heartbeat_interval
        self.stale_after = stale_after
        self._running: dict[uuid.UUID, _Running] = {}
        self._relay: Relay | None = None
        self._background: set[asyncio.Task[None]] = set()
        self._forwarding: set[asyncio.Task[None]] = set()
        self._ready_lock = asyncio.Lock()
        self._ready = False

    @property
    def database(self) -> Database:
        """The database answers are stored in."""
        if self._database is None:
            self._database = get_database()
        return self._database

    # --- starting ---------------------------------------------------------------------------------------------

    async def start(self, user_id: uuid.UUID, chat_id: uuid.UUID, text: str) -> AnswerStarted:
        """Answer `text` in the user's chat in the background; returns once the question and answer are stored.

        Raises `MessageRejected`, `ChatBusy` (an answer is being written in this chat) or `NotFound`.
        """
        return await self._launch(
            user_id,
            chat_id,
            lambda hub: pipeline.answer(
                user_id, chat_id, text, database=self.database, hub=hub, settings=self.settings
            ),
        )

    async def start_regenerate(self, user_id: uuid.UUID, chat_id: uuid.UUID) -> AnswerStarted:
        """Answer the chat's last question again (`NothingToRegenerate` if it has none)."""
        return await self._launch(
            user_id,
            chat_id,
            lambda hub: pipeline.regenerate(user_id, chat_id, database=self.database, hub=hub, settings=self.settings),
        )

    async def start_edit(self, user_id: uuid.UUID, chat_id: uuid.UUID, message_id: int, text: str) -> AnswerStarted:
        """Replace the question `message_id` with `text`, drop what followed it, and answer it."""
        return await self._launch(
            user_id,
            chat_id,
            lambda hub: pipeline.edit_and_resend(
                user_id, chat_id, message_id, text, database=self.database, hub=hub, settings=self.settings
            ),
        )

    async def _launch(
        self, user_id: uuid.UUID, chat_id: uuid.UUID, make_events: Callable[[ToolHub], Events]
    ) -> AnswerStarted:
        await self._prepare()
        running = self._owned(user_id, chat_id)
        if running is not None and not running.log.finished:
            raise ChatBusy(BUSY)
        events = make_events(await self._tool_hub())
        started: asyncio.Future[AnswerStarted] = asyncio.get_running_loop().create_future()
        task = asyncio.create_task(self._run(user_id, chat_id, events, started), name=f"answer in chat {chat_id}")
        self._track(self._background, task)
        return await asyncio.shield(started)

    async def _run(
        self, user_id: uuid.UUID, chat_id: uuid.UUID, events: Events, started: asyncio.Future[AnswerStarted]
    ) -> None:
        """Drive the answer to its end, keeping every event in its log (and on Redis)."""
        async with contextlib.aclosing(events):
            try:
                first = await anext(events)
            except asyncio.CancelledError:
                started.cancel()
                raise
            except BaseException as exc:  # refused before anything was stored (busy, not found, rejected)
                started.set_exception(exc)
                return
            assert isinstance(first, AnswerStarted)
            answer = AnswerLog(user_id, first)
            running = _Running(answer, asyncio.current_task())  # type: ignore[arg-type]
            self._running[chat_id] = running
            started.set_result(first)
            try:
                await self._start_forwarding(answer)
                async for event in events:
                    answer.append(event)
            except asyncio.CancelledError:
                await events.aclose()  # the pipeline stores the partial answer as cancelled
                answer.extend(await self._ending(user_id, answer))
                raise
            except NotFound:  # the chat was deleted: nobody is left to tell
                answer.extend(await self._ending(user_id, answer))
            except Exception:
                log.exception("answer %s broke off", first.message_id)
                answer.extend(await self._ending(user_id, answer, failure=BROKEN))
            finally:
                if self._running.get(chat_id) is running:
                    del self._running[chat_id]

    async def _ending(self, user_id: uuid.UUID, answer: AnswerLog, *, failure: str | None = None) -> list[AnswerEvent]:
        """The events that close an answer cut short, from how the pipeline stored it."""
        message_id = answer.started.message_id
        seen = AnswerSnapshot.of(answer.events)
        with contextlib.suppress(Exception):
            stored = await load_answer(self.database, user_id, message_id)
            if stored is not None and not stored.streaming:
                return unseen_events(stored, seen)
        status = "error" if failure else "cancelled"
        return [*([AnswerFailed(failure)] if failure else []), AnswerDone(message_id, status, 0, None)]

    async def _tool_hub(self) -> ToolHub:
        if self._hub is None:
            from data360_chat.mcp_client import get_hub  # the process-wide MCP client, connected on first use

            self._hub = await get_hub(self.settings)
        return self._hub

    # --- following ---------------------------------------------------------------------------------------------

    async def subscribe(self, user_id: uuid.UUID, chat_id: uuid.UUID) -> AsyncIterator[AnswerSnapshot | AnswerEvent]:
        """The chat's last answer: a snapshot of everything so far, then each event until `AnswerDone`.

        Yields nothing if the chat has no answer; `NotFound` unless the chat is the user's. An answer that has ended
        gives its snapshot only.
        """
        async with contextlib.aclosing(self._batches(user_id, chat_id)) as batches:
            first = True
            async for batch in batches:
                if first:
                    first = False
                    yield AnswerSnapshot.of(batch)
                    continue
                for event in batch:
                    yield event

    async def follow(
        self, user_id: uuid.UUID, chat_id: uuid.UUID, *, interval: float = FLUSH_INTERVAL
    ) -> AsyncIterator[AnswerUpdate]:
        """The chat's last answer as updates at most every `interval` seconds, each with only what is new.

        The first update carries everything so far (`first=True`); the last one has `done` set. News after a quiet
        spell goes out at once; while the answer streams, what arrives within `interval` is sent together. A tab
        does: `async for update in runner.follow(user_id, chat_id): apply(update)`.
        """
        async with contextlib.aclosing(coalesced(self._batches(user_id, chat_id), interval)) as updates:
            async for update in updates:
                yield update

    async def _batches(self, user_id: uuid.UUID, chat_id: uuid.UUID) -> AsyncIterator[list[AnswerEvent]]:
        """The chat's last answer as batches of events: all so far, then what comes, from wherever it runs."""
        await self._prepare()
        running = self._owned(user_id, chat_id)
        if running is not None:
            async with contextlib.aclosing(running.log.batches()) as batches:
                async for batch in batches:
                    yield batch
            return
        stored = await last_answer(self.database, user_id, chat_id)
        if stored is None:
            return
        seen = AnswerSnapshot()
        if stored.streaming and self._relay is not None:
            try:
                async with contextlib.aclosing(self._relayed(user_id, stored, seen)) as batches:
                    async for batch in batches:
                        yield batch
            except RedisError as exc:
                log.warning(
                    "following answer %s through Redis failed (%s); reading the database", stored.message.id, exc
                )
            else:
                if seen.message_id is not None:
                    return
        async with contextlib.aclosing(polled_batches(self.database, user_id, stored, seen, POLL_INTERVAL)) as batches:
            async for batch in batches:
                yield batch

    async def _relayed(
        self, user_id: uuid.UUID, stored: StoredAnswer, seen: AnswerSnapshot
    ) -> AsyncIterator[list[AnswerEvent]]:
        """The answer's Redis stream; if it goes quiet, the database says whether the answer still runs."""
        assert self._relay is not None and stored.message.id is not None
        loop = asyncio.get_running_loop()
        quiet_since = loop.time()
        key = stream_key(stored.message.chat_id, stored.message.id)
        async for batch in self._relay.batches(key, block_ms=REDIS_WAIT_MS):
            if batch:
                for event in batch:
                    seen.apply(event)
                yield batch
                quiet_since = loop.time()
                continue
            if loop.time() - quiet_since < QUIET_CHECK:
                continue
            reloaded = await load_answer(self.database, user_id, stored.message.id)
            if reloaded is None or not reloaded.streaming:
                ending = [] if reloaded is None else unseen_events(reloaded, seen)
                for event in ending:
                    seen.apply(event)
                yield ending
                return
            quiet_since = loop.time()

    def _owned(self, user_id: uuid.UUID, chat_id: uuid.UUID) -> _Running | None:
        """The chat's answer running here; `NotFound` if the chat is someone else's."""
        running = self._running.get(chat_id)
        if running is not None and running.log.user_id != user_id:
            raise NotFound("chat")
        return running

    # --- stopping ----------------------------------------------------------------------------------------------

    async def stop(self, user_id: uuid.UUID, chat_id: uuid.UUID) -> bool:
        """Stop the chat's answer wherever it runs and wait (up to `STOP_WAIT`) for it to end.

        True if an answer was streaming and has stopped; the pipeline keeps its partial text as `cancelled`.
        """
        await self._prepare()
        running = self._owned(user_id, chat_id)
        if running is not None:
            streaming = not running.log.finished
            if streaming:
                running.task.cancel()
            await asyncio.wait({running.task}, timeout=STOP_WAIT)
            return streaming
        stored = await last_answer(self.database, user_id, chat_id)
        if stored is None or not stored.streaming or self._relay is None:
            return False
        assert stored.message.id is not None
        await self._relay.request_stop(user_id, chat_id)
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(STOP_WAIT):
                while await still_streaming(self.database, user_id, stored.message.id):  # noqa: ASYNC110
                    await asyncio.sleep(0.05)
                return True
        return False

    async def _serve_stops(self, relay: Relay, pubsub: PubSub) -> None:
        """Stop the answers other replicas ask to stop, if they run here; listen again if Redis goes away."""
        while True:
            try:
                async for user_id, chat_id in relay.stop_requests(pubsub):
                    running = self._running.get(chat_id)
                    if running is not None and running.log.user_id == user_id and not running.log.finished:
                        running.task.cancel()
            except RedisError as exc:
                log.warning("listening for Stop requests failed (%s); trying again", exc)
            pubsub = await self._listen_again(relay)

    @staticmethod
    async def _listen_again(relay: Relay) -> PubSub:
        """A new Stop subscription, once Redis answers again."""
        while True:
            await asyncio.sleep(1.0)
            with contextlib.suppress(RedisError):
                return await relay.listen_for_stops()

    # --- the life of the runner -------------------------------------------------------------------------------

    async def _prepare(self) -> None:
        """On first use: connect to Redis, listen for Stop, interrupt answers left behind, start the heartbeat."""
        if self._ready:
            return
        async with self._ready_lock:
            if self._ready:
                return
            if self.settings.redis_url:
                client = Redis.from_url(self.settings.redis_url)
                relay = Relay(client, running_ttl=int(self.settings.llm_answer_deadline) + 600)
                stops = await relay.listen_for_stops()
                self._relay = relay
                self._track(self._background, asyncio.create_task(self._serve_stops(relay, stops)))
            await self._interrupt_stale()
            self._track(self._background, asyncio.create_task(self._heartbeat()))
            self._ready = True

    async def _heartbeat(self) -> None:
        while True:
            await asyncio.sleep(self.heartbeat_interval)
            try:
                await self._mark_alive()
                await self._interrupt_stale()
            except Exception as exc:
                log.warning("answer heartbeat failed: %s", exc)

    async def _mark_alive(self) -> None:
        """Touch this replica's streaming answers so no other replica takes them for left behind; stop the ones
        whose chat was deleted."""
        alive = [running for running in self._running.values() if not running.log.finished]
        if not alive:
            return
        async with self.database.session() as session:
            for running in alive:
                try:
                    await update_message(session, running.log.user_id, running.log.started.message_id)
                except NotFound:
                    running.task.cancel()

    async def _interrupt_stale(self) -> None:
        async with self.database.session() as session:
            count = await interrupt_stale_answers(
                session, not_updated_since=utcnow() - timedelta(seconds=self.stale_after)
            )
        if count:
            log.warning("marked %d answers left streaming by a stopped server as interrupted", count)

    async def _start_forwarding(self, answer: AnswerLog) -> None:
        """Publish the answer's first event now and the rest as they come (when Redis is configured)."""
        if self._relay is None:
            return
        try:
            key = stream_key(answer.started.chat_id, answer.started.message_id)
            await self._relay.publish(key, [answer.started])
        except RedisError as exc:
            log.warning("answer %s is not shared through Redis: %s", answer.started.message_id, exc)
            return
        self._track(self._forwarding, asyncio.create_task(self._forward(answer)))

    async def _forward(self, answer: AnswerLog) -> None:
        assert self._relay is not None
        try:
            await self._relay.forward(answer, 1)
        except RedisError as exc:
            log.warning("sharing answer %s through Redis stopped: %s", answer.started.message_id, exc)

    @staticmethod
    def _track(tasks: set[asyncio.Task[None]], task: asyncio.Task[None]) -> None:
        tasks.add(task)
        task.add_done_callback(tasks.discard)

    async def close(self) -> None:
        """Stop every answer running here (kept as `cancelled`), finish sharing them, and disconnect."""
        answers = [running.task for running in self._running.values()]
        for task in answers:
            task.cancel()
        await asyncio.gather(*answers, return_exceptions=True)
        if self._forwarding:
            await asyncio.wait(self._forwarding, timeout=STOP_WAIT)
        for task in [*self._background, *self._forwarding]:
            task.cancel()
        await asyncio.gather(*self._background, *self._forwarding, return_exceptions=True)
        if self._relay is not None:
            await self._relay.client.aclose()
            self._relay = None
        self._ready = False


@lru_cache(maxsize=1)
def get_runner() -> AnswerRunner:
    """The process-wide answer runner (the app's settings, database and MCP hub)."""
    return AnswerRunner()


@contextlib.asynccontextmanager
async def process_services() -> AsyncIterator[None]:
    """The app process's lifetime: at its end, answers running here are kept as `cancelled` and MCP sessions close."""
    try:
        yield
    finally:
        if get_runner.cache_info().currsize:
            await get_runner().close()
        await close_hub()
