"""The process-wide runner of answers: each answer is a background task that no page or tab owns.

`start()` (or `start_regenerate()`, `start_edit()`, `start_continue()`) launches the answer and returns once it is
stored as streaming; closing or reloading the tab that asked does not stop it. Any number of followers
(`subscribe()` for every event, `follow()` for updates batched on a timer) get what the answer produced so far, then
what comes next (`following`). `stop()` cancels it from any tab. With Redis, answers are shared and Stop reaches the
replica that runs them (`relay`); every few seconds the runner keeps its answers alive and sweeps answers whose
replica died (`liveness`). The database's one-streaming-answer-per-chat index decides which of two simultaneous
starts wins.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from redis.asyncio import Redis
from redis.exceptions import RedisError

from data360_chat.assistant import pipeline
from data360_chat.assistant.events import AnswerDone, AnswerEvent, AnswerFailed, AnswerStarted
from data360_chat.assistant.tool_runs import ToolHub
from data360_chat.db.engine import Database, get_database
from data360_chat.mcp_client.hub import close_hub
from data360_chat.observability import context
from data360_chat.repositories import NotFound
from data360_chat.repositories.messages import ChatBusy
from data360_chat.settings import Settings, get_settings
from data360_chat.streams.coalesce import coalesced
from data360_chat.streams.following import answer_batches
from data360_chat.streams.liveness import HEARTBEAT_INTERVAL, STALE_AFTER, Liveness
from data360_chat.streams.log import AnswerLog
from data360_chat.streams.relay import Relay
from data360_chat.streams.state import AnswerSnapshot, AnswerUpdate
from data360_chat.streams.stored import last_answer, load_answer, still_streaming, unseen_events

log = logging.getLogger(__name__)

FLUSH_INTERVAL = 0.1  # seconds between two updates of `follow()`: about 10 a second
STOP_WAIT = 10.0  # seconds `stop()` waits for the answer to end
BROKEN = "Something went wrong while writing this answer. Please try again."

AnswerEvents = AsyncIterator[AnswerEvent]


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
        self.liveness = Liveness(
            lambda: self.database,
            heartbeat_interval=heartbeat_interval,
            stale_after=stale_after,
            heard=self._heard,
        )
        self._running: dict[uuid.UUID, _Running] = {}
        self._relay: Relay | None = None
        self._background: set[asyncio.Task[None]] = set()
        self._ready_lock = asyncio.Lock()
        self._ready = False

    @property
    def database(self) -> Database:
        """The database answers are stored in."""
        if self._database is None:
            self._database = get_database()
        return self._database

    # --- starting ---------------------------------------------------------------------------------------------

    async def start(
        self, user_id: uuid.UUID, chat_id: uuid.UUID | None, text: str, upload_ids: Sequence[uuid.UUID] = ()
    ) -> AnswerStarted:
        """Answer `text` in the user's chat (None: a new one) in the background; returns once it is stored.

        Raises `MessageRejected`, `ChatBusy` (an answer is being written in this chat), `TooManyAnswers` or
        `NotFound`; nothing is stored then. `upload_ids`: the user's uploads to attach to the chat.
        """
        return await self._launch(
            user_id,
            chat_id,
            lambda hub: pipeline.answer(
                user_id,
                chat_id,
                text,
                database=self.database,
                hub=hub,
                settings=self.settings,
                upload_ids=upload_ids,
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

    async def start_continue(self, user_id: uuid.UUID, chat_id: uuid.UUID) -> AnswerStarted:
        """Continue the chat's last answer, cut short, where it stopped (`NothingToContinue` if it was not)."""
        return await self._launch(
            user_id,
            chat_id,
            lambda hub: pipeline.continue_answer(
                user_id, chat_id, database=self.database, hub=hub, settings=self.settings
            ),
        )

    async def _launch(
        self, user_id: uuid.UUID, chat_id: uuid.UUID | None, make_events: Callable[[ToolHub], AnswerEvents]
    ) -> AnswerStarted:
        await self._prepare()
        running = self._owned(user_id, chat_id) if chat_id is not None else None
        if running is not None and not running.log.finished:
            raise ChatBusy  # known here without asking the database
        events = make_events(await self._tool_hub())
        started: asyncio.Future[AnswerStarted] = asyncio.get_running_loop().create_future()
        task = asyncio.create_task(self._run(user_id, events, started), name=f"answer in chat {chat_id}")
        self._track(task)
        return await asyncio.shield(started)

    async def _run(self, user_id: uuid.UUID, events: AnswerEvents, started: asyncio.Future[AnswerStarted]) -> None:
        """Drive the answer to its end, keeping every event in its log (and on Redis); its log lines name the user
        and the chat."""
        context.bind_user(user_id)
        async with contextlib.aclosing(events):
            try:
                first = await anext(events)
            except asyncio.CancelledError:
                started.cancel()
                raise
            except BaseException as exc:  # refused before anything was stored (busy, not found, rejected)
                started.set_exception(exc)
                return
            assert isinstance(first, AnswerStarted) and first.chat_id is not None
            chat_id = first.chat_id
            context.bind_chat(chat_id)
            answer = AnswerLog(user_id, first)
            running = _Running(answer, asyncio.current_task())  # type: ignore[arg-type]
            self._running[chat_id] = running
            started.set_result(first)
            try:
                if self._relay is not None:
                    await self._relay.share(answer)
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
            if stored is not None and not stored.turn.streaming:
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

    async def subscribe_answer(
        self, user_id: uuid.UUID, message_id: int
    ) -> AsyncIterator[AnswerSnapshot | AnswerEvent]:
        """Like `subscribe`, for the answer `message_id`: followed while it streams, else its stored snapshot.

        `NotFound` unless it is an answer in one of the user's chats.
        """
        await self._prepare()
        stored = await load_answer(self.database, user_id, message_id)
        if stored is None or stored.turn.message.role != "assistant":
            raise NotFound("message")
        if stored.turn.streaming:
            followed = False
            async with contextlib.aclosing(self.subscribe(user_id, stored.turn.message.chat_id)) as items:
                async for item in items:
                    if isinstance(item, AnswerSnapshot) and item.message_id != message_id:
                        break  # it ended and the chat's next answer started meanwhile
                    followed = True
                    yield item
            if followed:
                return
            stored = await load_answer(self.database, user_id, message_id)
            if stored is None:
                raise NotFound("message")
        yield AnswerSnapshot.of(unseen_events(stored, AnswerSnapshot()))

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
        await self._prepare()
        running = self._owned(user_id, chat_id)
        source = answer_batches(self.database, self._relay, user_id, chat_id, running.log if running else None)
        async with contextlib.aclosing(source) as batches:
            async for batch in batches:
                yield batch

    def _owned(self, user_id: uuid.UUID, chat_id: uuid.UUID) -> _Running | None:
        """The chat's answer running here; `NotFound` if the chat is someone else's."""
        running = self._running.get(chat_id)
        if running is not None and running.log.user_id != user_id:
            raise NotFound("chat")
        return running

    # --- stopping ----------------------------------------------------------------------------------------------

    async def stop(self, user_id: uuid.UUID, chat_id: uuid.UUID) -> bool:
        """Stop the chat's answer wherever it runs and wait (up to `STOP_WAIT`) for it to end.

        True if an answer was streaming and has stopped; the pipeline keeps its partial text as `cancelled`. False
        also when the answer runs on another replica and Redis, which carries the request there, fails.
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
        if stored is None or not stored.turn.streaming or self._relay is None:
            return False
        try:
            await self._relay.request_stop(user_id, chat_id)
        except RedisError as exc:  # the replica running it cannot be reached; it goes on
            log.warning("Stop for chat %s could not reach the replica running its answer: %s", chat_id, exc)
            return False
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(STOP_WAIT):
                while await still_streaming(self.database, user_id, stored.turn.id):  # noqa: ASYNC110
                    await asyncio.sleep(0.05)
                return True
        return False

    def _stop_here(self, user_id: uuid.UUID, chat_id: uuid.UUID) -> None:
        """Stop the chat's answer if it runs in this process (a Stop asked on another replica)."""
        running = self._running.get(chat_id)
        if running is not None and running.log.user_id == user_id and not running.log.finished:
            running.task.cancel()

    # --- the life of the runner -------------------------------------------------------------------------------

    async def _prepare(self) -> None:
        """On first use: connect to Redis, listen for Stop, sweep answers left behind, start the heartbeat."""
        if self._ready:
            return
        async with self._ready_lock:
            if self._ready:
                return
            if self.settings.redis_url:
                relay = Relay(
                    Redis.from_url(self.settings.redis_url), running_ttl=int(self.settings.llm_answer_deadline) + 600
                )
                await relay.serve_stops(self._stop_here)
                self._relay = relay
            await self.liveness.interrupt_stale()
            self._track(asyncio.create_task(self._heartbeat()))
            self._ready = True

    async def _heartbeat(self) -> None:
        while True:
            await asyncio.sleep(self.liveness.heartbeat_interval)
            try:
                alive = [running.log for running in self._running.values() if not running.log.finished]
                for gone in await self.liveness.mark_alive(alive):  # their chat was deleted: stop them
                    self._stop_here(gone.user_id, gone.started.chat_id or uuid.UUID(int=0))
                await self.liveness.interrupt_stale()
            except Exception as exc:
                log.warning("answer heartbeat failed: %s", exc)

    async def _heard(self, chat_id: uuid.UUID, message_id: int) -> str | None:
        """The text of an answer its replica shared through Redis (None without Redis)."""
        return await self._relay.text_of(chat_id, message_id) if self._relay is not None else None

    def _track(self, task: asyncio.Task[None]) -> None:
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def close(self) -> None:
        """Stop every answer running here (kept as `cancelled`), finish sharing them, and disconnect."""
        answers = [running.task for running in self._running.values()]
        for task in answers:
            task.cancel()
        await asyncio.gather(*answers, return_exceptions=True)
        for task in self._background:
            task.cancel()
        await asyncio.gather(*self._background, return_exceptions=True)
        if self._relay is not None:
            await self._relay.close()
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
