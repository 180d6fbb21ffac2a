"""One model turn through LiteLLM: streamed text, assembled tool calls, usage, bounded waits and early retries.

The waits are enforced here rather than by SDK timeouts (which are retried and can stretch far past their value):
a bound on the first chunk, on every gap between chunks, and the answer's hard deadline. Connection errors, 429
and 5xx are retried (then the fallback model is tried) only while nothing has been shown, so text is never repeated.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import litellm
from litellm.exceptions import MidStreamFallbackError

from data360_chat.assistant.offline_model import OFFLINE_MODEL, register_offline_model
from data360_chat.observability.metrics import first_token
from data360_chat.settings import Settings

RETRY_BASE_DELAY = 0.25
RETRY_MAX_DELAY = 4.0

# Modules LiteLLM and the OpenAI SDK import on their first request (about a second of blocking work), imported
# with this module so that one-time cost never counts against the first-chunk bound of an answer.
FIRST_REQUEST_MODULES = (
    "openai.resources.chat",
    "litellm.litellm_core_utils.default_encoding",
    "litellm.proxy._types",
    "litellm._service_logger",
    "anyio._backends._asyncio",
    "anyio.streams.memory",
    "anyio.streams.tls",
)

litellm.suppress_debug_info = True  # its help banner would land in the middle of streamed output
list(map(importlib.import_module, FIRST_REQUEST_MODULES))


class ModelError(Exception):
    """The model could not produce the turn; `str(exc)` is a sentence for the person asking."""


@dataclass(frozen=True)
class ModelRoute:
    """Where one model is reached."""

    model: str
    api_base: str | None = None
    api_key: str | None = None
    extra_body: dict[str, Any] = field(default_factory=dict)

    @property
    def offline(self) -> bool:
        """True for the built-in offline model."""
        return self.model == OFFLINE_MODEL


def model_routes(settings: Settings) -> list[ModelRoute]:
    """The configured model, then the fallback model if there is one."""
    if settings.uses_offline_model:
        countries = settings.data360_offline_data / "countries.csv"
        options = {"words_per_second": settings.offline_model_speed, "countries_csv": str(countries)}
        return [ModelRoute(OFFLINE_MODEL, extra_body=options)]
    routes = [ModelRoute(settings.llm_model.strip(), settings.llm_api_base, settings.llm_api_key)]
    if settings.llm_fallback_model:
        routes.append(ModelRoute(settings.llm_fallback_model.strip(), settings.llm_api_base, settings.llm_api_key))
    return routes


@dataclass(frozen=True)
class RequestedCall:
    """A tool call the model asked for; `arguments` is its raw (possibly malformed) JSON text."""

    call_id: str
    name: str
    arguments: str


@dataclass
class TurnResult:
    """How a turn ended: its full text, the tool calls asked for, usage (None when not reported), the model,
    milliseconds from the request to the first streamed chunk, and the finish reason the model sent (`stop`,
    `tool_calls`, `length`, `content_filter` ...; None when the stream ended without one, as when a proxy closes it
    mid-answer)."""

    text: str
    tool_calls: list[RequestedCall]
    usage: tuple[int, int] | None
    model: str
    first_chunk_ms: int | None = None
    finish_reason: str | None = "stop"


@dataclass
class ToolCallAssembler:
    """Builds whole tool calls from streamed deltas (several calls per turn, arguments split over chunks)."""

    _calls: dict[int, dict[str, Any]] = field(default_factory=dict)

    def add(self, deltas: list[Any]) -> None:
        """Take the `tool_calls` of one streamed delta."""
        for position, delta in enumerate(deltas):
            index = getattr(delta, "index", None)
            call = self._calls.setdefault(position if index is None else index, {"id": "", "name": "", "args": []})
            if getattr(delta, "id", None):
                call["id"] = delta.id
            function = getattr(delta, "function", None)
            if function is None:
                continue
            name = getattr(function, "name", None)
            if name and name != call["name"]:
                call["name"] += name
            if getattr(function, "arguments", None):
                call["args"].append(function.arguments)

    def calls(self) -> list[RequestedCall]:
        """The assembled calls in the model's order; calls without an id get one."""
        return [
            RequestedCall(call["id"] or f"call_{uuid.uuid4().hex[:12]}", call["name"], "".join(call["args"]))
            for _, call in sorted(self._calls.items())
        ]


def _retriable(exc: BaseException) -> bool:
    """Connection errors, 429 and 5xx: worth another try while nothing has been shown."""
    if isinstance(
        exc,
        litellm.APIConnectionError
        | litellm.RateLimitError
        | litellm.InternalServerError
        | litellm.ServiceUnavailableError
        | litellm.BadGatewayError,
    ):
        return True
    status = getattr(exc, "status_code", None)
    return isinstance(status, int) and (status == 429 or status >= 500)


def describe_failure(exc: BaseException, route: ModelRoute) -> str:
    """A sentence a person understands for a model failure."""
    status = getattr(exc, "status_code", None)
    where = f" at {urlsplit(route.api_base).netloc}" if route.api_base else ""
    if isinstance(exc, MidStreamFallbackError):
        return f"The model service{where} broke off in the middle of the answer. Please try again."
    if isinstance(exc, litellm.AuthenticationError | litellm.PermissionDeniedError) or status in (401, 403):
        return "The model service refused the credentials; check LLM_API_KEY."
    if isinstance(exc, litellm.RateLimitError) or status == 429:
        return "The model service is over its rate limit. Please try again in a minute."
    if isinstance(exc, litellm.ContextWindowExceededError):
        return "The conversation is too long for the model. Start a new chat or ask a shorter question."
    if isinstance(exc, litellm.NotFoundError) or status == 404:
        return f"The model service does not know the model “{route.model}”; check LLM_MODEL."
    if isinstance(exc, litellm.APIConnectionError | litellm.Timeout):
        return f"The model service{where} could not be reached or stopped responding. Please try again."
    if isinstance(status, int) and status >= 500:
        return f"The model service had an internal error (HTTP {status}). Please try again."
    detail = " ".join(str(getattr(exc, "message", exc)).split())[:200]
    if isinstance(exc, litellm.BadRequestError) or status == 400:
        return f"The model service refused the request: {detail}"
    return f"The model failed ({type(exc).__name__}): {detail}"


def _remaining(deadline: float) -> float:
    return deadline - asyncio.get_running_loop().time()


DEADLINE_POLL = 0.05


class SilenceWatch:
    """Bounds each wait for a chunk (the first, then every gap) and the answer's deadline with one timer.

    Per chunk the stream only notes when it starts waiting (`waiting()`) and that the wait is over (`received()`);
    the timer is moved only when it fires, so a steady stream costs no timer work. Time spent while the consumer
    handles a chunk is not counted as silence, and the timeout can only land while the stream itself is waiting.
    """

    def __init__(self, settings: Settings, deadline: float) -> None:
        self._loop = asyncio.get_running_loop()
        self._limit = settings.llm_first_chunk_timeout
        self._gap = settings.llm_chunk_gap_timeout
        self._deadline = deadline
        self._since: float | None = None
        self._first = True
        self._scope: asyncio.Timeout | None = None
        self._handle: asyncio.TimerHandle | None = None
        self.reason = ""

    def start(self, scope: asyncio.Timeout) -> None:
        """Begin watching: the first chunk is awaited from now."""
        self._scope = scope
        self.waiting()
        self._arm(min(self._loop.time() + self._limit, self._deadline))

    def waiting(self) -> None:
        """The stream starts waiting for its next chunk."""
        self._since = self._loop.time()

    def received(self) -> None:
        """A chunk arrived; the next waits are bounded by the gap."""
        self._since = None
        if self._first:  # from now on the gap bound applies
            self._first = False
            self._limit = self._gap
            self.stop()
            self._arm(min(self._loop.time() + self._gap, self._deadline))

    def stop(self) -> None:
        """Stop the timer."""
        if self._handle is not None:
            self._handle.cancel()

    def _arm(self, when: float) -> None:
        self._handle = self._loop.call_at(when, self._check)

    def _check(self) -> None:
        now = self._loop.time()
        if self._since is None:  # the consumer has the chunk; look again later
            self._arm(now + self._limit if now < self._deadline else now + DEADLINE_POLL)
            return
        if now >= self._deadline:
            self.reason = "The answer took longer than its time limit and was stopped."
        elif now - self._since >= self._limit:
            waiting_for = "first reply" if self._first else "new text"
            self.reason = f"The model stopped responding: no {waiting_for} within {self._limit:g} s."
        else:
            self._arm(min(self._since + self._limit, self._deadline))
            return
        assert self._scope is not None
        self._scope.reschedule(now)


def sent_finish_reason(stream: Any, last_seen: str | None) -> str | None:
    """The finish reason the model really sent. LiteLLM ends a stream that had none with a made-up `stop`, so its
    own record of what it received comes first; the last reason seen in the chunks only when it keeps none."""
    if hasattr(stream, "received_finish_reason"):
        return stream.received_finish_reason or getattr(stream, "intermittent_finish_reason", None)
    return last_seen


async def _close(stream: Any) -> None:
    """Close the HTTP response so the server stops generating (also while being cancelled)."""
    with contextlib.suppress(Exception):
        await asyncio.shield(stream.aclose())


async def _attempt(
    route: ModelRoute,
    request: dict[str, Any],
    settings: Settings,
    deadline: float,
) -> AsyncIterator[str | TurnResult]:
    """One request to one model: text pieces as they come, then the `TurnResult` (time to first chunk measured)."""
    if route.offline:
        register_offline_model()
    # A constant SDK timeout (the waits are bounded here): LiteLLM keys its cached HTTP client by it, so a value
    # that changed with every request would open a new client and connection each time.
    arguments = dict(request, model=route.model, timeout=settings.llm_answer_deadline)
    if route.api_base:
        arguments["api_base"] = route.api_base
    if route.api_key:
        arguments["api_key"] = route.api_key
    if route.extra_body:
        arguments["extra_body"] = route.extra_body
    stream: Any = None
    text: list[str] = []
    assembler = ToolCallAssembler()
    usage: tuple[int, int] | None = None
    finish: str | None = None
    watch = SilenceWatch(settings, deadline)
    sent = time.perf_counter()
    first_chunk: float | None = None
    try:
        async with asyncio.timeout(None) as scope:
            watch.start(scope)
            stream = await litellm.acompletion(**arguments)
            async for chunk in stream:
                watch.received()
                if first_chunk is None:
                    first_chunk = time.perf_counter() - sent
                    first_token(route.model, first_chunk)
                delta = chunk.choices[0].delta if chunk.choices else None
                content = delta.content if delta is not None else None
                if content:
                    text.append(content)
                    yield content
                else:  # usage comes in a chunk of its own; a missing attribute is slow to look up on every chunk
                    reported = getattr(chunk, "usage", None)
                    if reported is not None and reported.prompt_tokens is not None:
                        usage = (int(reported.prompt_tokens), int(reported.completion_tokens or 0))
                if delta is not None and delta.tool_calls:
                    assembler.add(delta.tool_calls)
                if chunk.choices and chunk.choices[0].finish_reason:
                    finish = chunk.choices[0].finish_reason
                watch.waiting()
            finish = sent_finish_reason(stream, finish)
    except TimeoutError:
        if not watch.reason:
            raise
        raise ModelError(watch.reason) from None
    finally:
        watch.stop()
        if stream is not None:
            await _close(stream)
    first_ms = round(first_chunk * 1000) if first_chunk is not None else None
    yield TurnResult("".join(text), assembler.calls(), usage, route.model, first_ms, finish)


async def _pause_before_retry(exc: BaseException, attempt: int, deadline: float) -> None:
    delay = min(RETRY_BASE_DELAY * 2**attempt, RETRY_MAX_DELAY)
    response = getattr(exc, "response", None)
    with contextlib.suppress(Exception):
        delay = min(float(response.headers["retry-after"]), RETRY_MAX_DELAY)
    if delay >= _remaining(deadline):
        raise ModelError("The answer took longer than its time limit and was stopped.")
    await asyncio.sleep(delay)


async def stream_turn(
    messages: list[dict[str, Any]],
    *,
    tools: list[dict[str, Any]],
    settings: Settings,
    deadline: float,
    tool_choice: str | None = None,
) -> AsyncIterator[str | TurnResult]:
    """Stream one turn: text pieces, then a `TurnResult`. Raises `ModelError` with a human message."""
    request: dict[str, Any] = {
        "messages": messages,
        "stream": True,
        "stream_options": {"include_usage": True},
        "max_retries": 0,
        "num_retries": 0,
    }
    if tools:
        request["tools"] = tools
        if tool_choice:
            request["tool_choice"] = tool_choice
    failure: tuple[BaseException, ModelRoute] | None = None
    for route in model_routes(settings):
        for attempt in range(settings.llm_retries + 1):
            shown = False
            try:
                async for item in _attempt(route, request, settings, deadline):
                    shown = shown or isinstance(item, str)
                    yield item
                return
            except ModelError:
                raise
            except Exception as exc:
                if shown or not _retriable(exc):
                    raise ModelError(describe_failure(exc, route)) from exc
                failure = (exc, route)
                if attempt < settings.llm_retries:
                    await _pause_before_retry(exc, attempt, deadline)
    assert failure is not None
    raise ModelError(describe_failure(*failure)) from failure[0]
