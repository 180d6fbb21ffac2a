"""The app's Prometheus metrics (all named `d360_...`) and the functions the rest of the app records them with.

    metrics.answer_started(); ...; metrics.answer_finished("complete", seconds)
    metrics.tokens_used("openai/gpt-4o", prompt=812, completion=95)
    metrics.cache_lookup(hit=True)            # a cache in front of tool results (or another, by `cache=`)
    metrics.rate_limit_refused("sign_in")     # a limit said no

Recording costs a label lookup and an addition; with `METRICS_ENABLED=false` every function returns at once and
`/metrics` is not served. Several worker processes (Reflex starts several when `REDIS_URL` is set) share their
numbers through files in `PROMETHEUS_MULTIPROC_DIR` (`serve` makes one for each run): whichever worker answers a
scrape reports the sum over all of them; gauges count live processes only.
"""

from __future__ import annotations

import os

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
CONTENT_TYPE = CONTENT_TYPE_LATEST
UNKNOWN_TOOL = "unknown"

ANSWERS = Counter("d360_answers", "Answers that ended, by how they ended.", ["status"])
ANSWER_DURATION = Histogram(
    "d360_answer_duration_seconds",
    "From the question received to the answer stored, by how it ended.",
    ["status"],
    buckets=(0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300),
)
ACTIVE_ANSWERS = Gauge("d360_active_answers", "Answers being written now.", multiprocess_mode="livesum")
TOKENS = Counter("d360_llm_tokens", "Tokens the model reported, by model and kind.", ["model", "kind"])
FIRST_TOKEN = Histogram(
    "d360_llm_time_to_first_token_seconds",
    "From sending a request to the model to its first streamed chunk, by model.",
    ["model"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5, 10, 20, 30, 60),
)
TOOL_DURATION = Histogram(
    "d360_tool_call_duration_seconds",
    "MCP tool calls by tool (unknown names as `unknown`), connecting and reconnecting included.",
    ["tool"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 45),
)
TOOL_ERRORS = Counter("d360_tool_call_errors", "MCP tool calls that failed, by tool.", ["tool"])
CACHE_LOOKUPS = Counter("d360_cache_lookups", "Cache lookups by cache and result (`hit`, `miss`).", ["cache", "result"])
RATE_LIMIT_REFUSALS = Counter(
    "d360_rate_limit_refusals", "Requests refused by a rate limit, by the limit's scope.", ["scope"]
)
CONNECTED_TABS = Gauge(
    "d360_connected_tabs", "Open websocket connections of pages (one per tab).", multiprocess_mode="livesum"
)

_enabled = True


def configure_metrics(enabled: bool) -> None:
    """Record metrics or not (`METRICS_ENABLED`)."""
    global _enabled
    _enabled = enabled


def metrics_enabled() -> bool:
    """Whether metrics are recorded and served."""
    return _enabled


def answer_started() -> None:
    """An answer began."""
    if _enabled:
        ACTIVE_ANSWERS.inc()


def answer_finished(status: str, seconds: float) -> None:
    """An answer ended as `complete`, `error` or `cancelled` after `seconds`."""
    if _enabled:
        ACTIVE_ANSWERS.dec()
        ANSWERS.labels(status).inc()
        ANSWER_DURATION.labels(status).observe(seconds)


def tokens_used(model: str, *, prompt: int, completion: int) -> None:
    """Tokens one model turn used, as the model reported them."""
    if _enabled:
        TOKENS.labels(model, "prompt").inc(prompt)
        TOKENS.labels(model, "completion").inc(completion)


def first_token(model: str, seconds: float) -> None:
    """The model's first chunk came `seconds` after the request."""
    if _enabled:
        FIRST_TOKEN.labels(model).observe(seconds)


def tool_called(tool: str, seconds: float, *, ok: bool) -> None:
    """A tool call ended (`tool`: a known tool's name, or `UNKNOWN_TOOL`)."""
    if _enabled:
        TOOL_DURATION.labels(tool).observe(seconds)
        if not ok:
            TOOL_ERRORS.labels(tool).inc()


def cache_lookup(hit: bool, cache: str = "tool_result") -> None:
    """A lookup in `cache` found what it looked for (`hit`) or not."""
    if _enabled:
        CACHE_LOOKUPS.labels(cache, "hit" if hit else "miss").inc()


def rate_limit_refused(scope: str) -> None:
    """A rate limit refused a request (`scope`: `sign_in`, `sign_up`, ...)."""
    if _enabled:
        RATE_LIMIT_REFUSALS.labels(scope).inc()


def tab_connected() -> None:
    """A page opened its websocket."""
    if _enabled:
        CONNECTED_TABS.inc()


def tab_disconnected() -> None:
    """A page's websocket closed."""
    if _enabled:
        CONNECTED_TABS.dec()


def exposition() -> bytes:
    """Every metric in Prometheus's text format: this process's, or every worker's when they share a directory."""
    if os.environ.get(MULTIPROC_ENV):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry)
    return generate_latest(REGISTRY)


def process_exited(pid: int) -> None:
    """Forget a worker's gauges once it has stopped (no-op outside multi-process mode)."""
    if os.environ.get(MULTIPROC_ENV):
        multiprocess.mark_process_dead(pid)
