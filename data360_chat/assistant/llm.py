"""One model turn through LiteLLM: streamed text, assembled tool calls, usage, bounded waits and early retries.

The waits are enforced here rather than by SDK timeouts (which are retried and can stretch far past their value):
a bound on the first chunk, on every gap between chunks, and the answer's hard deadline. Connection errors, 429
and 5xx are retried (then the fallback model is tried) only while nothing has been shown, so text is never repeated.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import uuid
from collections.abc import AsyncIterator, Awaitable
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import urlsplit

import litellm
from litellm.exceptions import MidStreamFallbackError

from data360_chat.settings import Settings

T = TypeVar("T")

OFFLINE_PROVIDER = "data360-offline"
OFFLINE_MODEL = f"{OFFLINE_PROVIDER}/analyst"
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
    """How a turn ended: its full text, the tool calls asked for, usage (None when not reported), the model."""

    text: str
    tool_calls: list[RequestedCall]
    usage: tuple[int, int] | None
    model: str


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


async def _bounded(step: Awaitable[T], limit: float, deadline: float, waiting_for: str) -> T:
    """Await `step` for at most `limit` seconds and never past the deadline; `ModelError` otherwise."""
    budget = min(limit, _remaining(deadline))
    try:
        async with asyncio.timeout(max(budget, 0)):
            return await step
    except TimeoutError:
        if budget >= limit:
            raise ModelError(f"The model stopped responding: no {waiting_for} within {limit:g} s.") from None
        raise ModelError("The answer took longer than its time limit and was stopped.") from None


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
    """One request to one model: text pieces as they come, then the `TurnResult`."""
    if route.offline:
        from data360_chat.assistant.offline_model import register_offline_model

        register_offline_model()
    arguments = dict(request, model=route.model, timeout=max(_remaining(deadline), 1.0))
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

    async def first_chunk() -> Any:
        nonlocal stream
        stream = await litellm.acompletion(**arguments)
        return await anext(stream, None)

    try:
        chunk = await _bounded(first_chunk(), settings.llm_first_chunk_timeout, deadline, "first reply")
        while chunk is not None:
            if chunk.choices:
                delta = chunk.choices[0].delta
                if delta.content:
                    text.append(delta.content)
                    yield delta.content
                if delta.tool_calls:
                    assembler.add(delta.tool_calls)
            reported = getattr(chunk, "usage", None)
            if reported is not None and reported.prompt_tokens is not None:
                usage = (int(reported.prompt_tokens), int(reported.completion_tokens or 0))
            chunk = await _bounded(anext(stream, None), settings.llm_chunk_gap_timeout, deadline, "new text")
    finally:
        if stream is not None:
            await _close(stream)
    yield TurnResult("".join(text), assembler.calls(), usage, route.model)


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
