"""Answering a question: the entry points that turn a user message into a stream of events.

`answer()` checks the message (the one place that does), stores it, creates the answer as `streaming`, then runs
the model with the Data360 tools until it answers (`AnswerRun`). Closing an entry point's stream closes the run
at once (so a Stop is stored before the caller goes on). `regenerate()` and `edit_and_resend()` find the
question through the same `AnswerStore` and answer it again; `continue_answer()` takes up an answer that was cut
short where its text stopped, in the same answer (`continuation`). Stop (cancelling the consuming task or closing the
stream) cancels the model request and the tool calls in flight and keeps the partial text as `cancelled`.
Each answer is one trace (`observability.tracing`), counts in the metrics by how it ended and logs one line at its end.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import AsyncIterator, Sequence

from data360_chat.assistant.answer_run import AnswerRun
from data360_chat.assistant.continuation import continuation_messages, earlier_results
from data360_chat.assistant.events import AnswerDone, AnswerEvent, AnswerFailed, AnswerStarted, TextDelta, UsageReported
from data360_chat.assistant.llm import model_routes
from data360_chat.assistant.prompt import system_prompt, trim_history
from data360_chat.assistant.store import AnswerStore, DatabaseStore, open_store
from data360_chat.assistant.tool_runs import ToolHub
from data360_chat.assistant.upload_tools import upload_prompt, with_uploads
from data360_chat.db.engine import Database
from data360_chat.observability import metrics
from data360_chat.observability.tracing import Span, root_span
from data360_chat.repositories import NotFound
from data360_chat.settings import Settings

log = logging.getLogger(__name__)


class MessageRejected(ValueError):
    """The message cannot be sent as it is; `str(exc)` says why. Nothing was stored."""


class MessageTooLong(MessageRejected):
    """The message is longer than `MAX_MESSAGE_CHARS`."""


class NothingToRegenerate(LookupError):
    """The chat has no question to answer again."""


def check_message(text: str, settings: Settings) -> str:
    """The message to store, or `MessageRejected` with a clear reason."""
    if not text or not text.strip():
        raise MessageRejected("The message is empty: type a question first.")
    if len(text) > settings.max_message_chars:
        raise MessageTooLong(
            f"The message is {len(text):,} characters long; the limit is {settings.max_message_chars:,}. "
            "Shorten it and send it again."
        )
    return text.strip()


def _observe(event: AnswerEvent, span: Span) -> str | None:
    """What the answer's span keeps of an event (tokens, the failure, how it ended); the status at the end."""
    if isinstance(event, UsageReported):
        span.set(prompt_tokens=event.prompt_tokens, completion_tokens=event.completion_tokens)
    elif isinstance(event, AnswerFailed):
        span.failed(event.message)
    elif isinstance(event, AnswerDone):
        span.set(status=event.status, duration_ms=event.latency_ms)
        return event.status
    return None


async def _answer(
    store: AnswerStore, text: str, hub: ToolHub, settings: Settings, replace_from: int | None = None
) -> AsyncIterator[AnswerEvent]:
    question = check_message(text, settings)
    started = time.perf_counter()
    route = model_routes(settings)[0]
    with root_span("answer", model=route.model) as span:
        with span.child("db.begin"):
            begun = await store.begin(question, route.model, replace_from)
        span.set(message_id=begun.message_id)
        span.content(question=question)
        history = trim_history([*begun.history, {"role": "user", "content": question}], settings.history_token_budget)
        uploads = await store.uploads()
        instructions = system_prompt() + (upload_prompt(uploads) if uploads else "")
        run = AnswerRun(
            question=question,
            message_id=begun.message_id,
            store=store,
            hub=with_uploads(hub, uploads),
            settings=settings,
            messages=[{"role": "system", "content": instructions}, *history],
            started=started,
            span=span,
        )
        first = AnswerStarted(begun.chat_id, begun.user_message_id, begun.message_id, route.model, route.offline)
        async with contextlib.aclosing(_run(run, first, span, started)) as events:
            async for event in events:
                yield event


async def _run(
    run: AnswerRun, first: AnswerStarted, span: Span, started: float, earlier_text: str = ""
) -> AsyncIterator[AnswerEvent]:
    """`first`, the text so far (a continued answer's), then the run's events; Stop and failures stored; the answer
    counted in the metrics by how it ended and logged at its end."""
    metrics.answer_started()
    status = "cancelled"
    try:
        yield first
        if earlier_text:
            yield TextDelta(earlier_text)
        async with contextlib.aclosing(run.stream()) as events:
            async for event in events:
                status = _observe(event, span) or status
                yield event
    except (asyncio.CancelledError, GeneratorExit):
        await run.cancelled()
        raise
    except Exception as exc:
        log.exception("answer %s failed", first.message_id)
        reason = f"Something went wrong while writing this answer ({type(exc).__name__}). Please try again."
        async for event in run.fail(reason):
            status = _observe(event, span) or status
            yield event
    finally:
        seconds = time.perf_counter() - started
        metrics.answer_finished(status, seconds)
        log.info("answer %s %s in %.1f s", first.message_id, status, seconds)


async def answer(
    user_id: uuid.UUID | None,
    chat_id: uuid.UUID | None,
    text: str,
    *,
    database: Database | None,
    hub: ToolHub,
    settings: Settings,
    upload_ids: Sequence[uuid.UUID] = (),
) -> AsyncIterator[AnswerEvent]:
    """Answer `text` in the user's chat, yielding events from `AnswerStarted` to `AnswerDone`.

    Raises before anything is stored: `MessageRejected` (empty or too long), `ChatBusy` (an answer is being written
    in this chat), `TooManyAnswers` (the user has as many being written as they may), `NotFound` (not the user's
    chat). `chat_id` None starts a new chat. With `database=None` nothing is stored (a one-off question).
    `upload_ids`: the user's uploads to attach to the chat; the chat's uploads are offered to the model as tools.
    """
    store = open_store(database, user_id, chat_id, settings, upload_ids)
    async with contextlib.aclosing(_answer(store, text, hub, settings)) as run:
        async for event in run:
            yield event


async def regenerate(
    user_id: uuid.UUID, chat_id: uuid.UUID, *, database: Database, hub: ToolHub, settings: Settings
) -> AsyncIterator[AnswerEvent]:
    """Answer the chat's last question again, replacing the answer it had."""
    store = open_store(database, user_id, chat_id, settings)
    question = await store.last_question()
    if question is None:
        raise NothingToRegenerate("There is no question in this chat to answer again.")
    message_id, text = question
    async with contextlib.aclosing(_answer(store, text, hub, settings, replace_from=message_id)) as run:
        async for event in run:
            yield event


async def edit_and_resend(
    user_id: uuid.UUID,
    chat_id: uuid.UUID,
    message_id: int,
    text: str,
    *,
    database: Database,
    hub: ToolHub,
    settings: Settings,
) -> AsyncIterator[AnswerEvent]:
    """Replace one of the user's questions with `text` (dropping everything after it) and answer it."""
    store = open_store(database, user_id, chat_id, settings)
    if not await store.is_question(message_id):
        raise NotFound("message")
    async with contextlib.aclosing(_answer(store, text, hub, settings, replace_from=message_id)) as run:
        async for event in run:
            yield event


async def continue_answer(
    user_id: uuid.UUID, chat_id: uuid.UUID, *, database: Database, hub: ToolHub, settings: Settings
) -> AsyncIterator[AnswerEvent]:
    """Continue the chat's last answer, cut short, where its text stopped: the new text is appended to it.

    Raises before anything changes: `NothingToContinue` (the last answer was not cut short), `ChatBusy`,
    `TooManyAnswers`, `NotFound`. The events start with `AnswerStarted` and the text so far.
    """
    store = DatabaseStore(database, user_id, chat_id, most_running=settings.max_answers_per_user)
    started = time.perf_counter()
    route = model_routes(settings)[0]
    with root_span("answer", model=route.model) as span:
        with span.child("db.begin"):
            resumed = await store.resume()
        span.set(message_id=resumed.message_id, continued=True)
        run = AnswerRun(
            question=resumed.question,
            message_id=resumed.message_id,
            store=store,
            hub=with_uploads(hub, await store.uploads()),
            settings=settings,
            messages=continuation_messages(
                resumed, history_budget=settings.history_token_budget, tool_budget=settings.tool_result_token_budget
            ),
            started=started,
            span=span,
            earlier_text=resumed.text,
            earlier_results=earlier_results(resumed),
            earlier_usage=resumed.usage,
        )
        first = AnswerStarted(chat_id, resumed.question_id, resumed.message_id, route.model, route.offline)
        async with contextlib.aclosing(_run(run, first, span, started, resumed.text)) as events:
            async for event in events:
                yield event
