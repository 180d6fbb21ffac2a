"""Traces of answers, exported over OTLP/HTTP (protobuf) when `OTEL_EXPORTER_OTLP_ENDPOINT` is set.

One trace per answer:

    answer              model, message_id, prompt_tokens, completion_tokens, status, duration_ms
      db.begin          the question and the empty answer stored
      llm.round         round, model, prompt_tokens, completion_tokens, time_to_first_token_ms, tool_calls
        db.tools_started
        tool.call       tool, duration_ms, status
          db.tool_finished
      db.complete       (or db.end for an answer that failed or was stopped, with its status)

With `OTEL_RECORD_CONTENT=true` the spans also carry `question`, `answer`, a round's `text` and a call's
`arguments`; otherwise no words of the conversation leave the app.

Spans are passed explicitly (`span.child(...)`), never through a context that would outlive a streamed answer's
steps. With no endpoint no tracer, exporter or export thread exists (the SDK's tracing is not even imported) and
every span is `NO_SPAN`, which does nothing.
"""

from __future__ import annotations

from types import TracebackType
from typing import Any

from data360_chat import __version__
from data360_chat.settings import Settings

_tracer: Any = None  # the SDK tracer while tracing is on
_provider: Any = None
_api: Any = None  # `opentelemetry.trace`, bound once tracing is on
_record_content = False


def configure_tracing(settings: Settings) -> None:
    """Start exporting spans to `OTEL_EXPORTER_OTLP_ENDPOINT` (`.../v1/traces`); nothing happens when it is unset."""
    global _tracer, _provider, _api, _record_content
    endpoint = (settings.otel_exporter_otlp_endpoint or "").strip()
    if not endpoint or _provider is not None:
        return
    from opentelemetry import trace
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    resource = Resource.create({"service.name": settings.otel_service_name, "service.version": __version__})
    provider = TracerProvider(resource=resource)
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=endpoint.rstrip("/") + "/v1/traces")))
    _provider, _tracer, _api = provider, provider.get_tracer("data360_chat", __version__), trace
    _record_content = settings.otel_record_content


def shutdown_tracing() -> None:
    """Export the spans still queued and stop (tracing is off afterwards)."""
    global _tracer, _provider
    if _provider is not None:
        _provider.shutdown()
    _tracer = _provider = None


def tracing_enabled() -> bool:
    """Whether spans are recorded."""
    return _tracer is not None


class Span:
    """One span of an answer's trace; use as a context manager (an exception marks it as an error)."""

    __slots__ = ("_span",)

    def __init__(self, span: Any) -> None:
        self._span = span

    def child(self, name: str, **attributes: Any) -> Span:
        """A new span under this one (not current anywhere: pass it on)."""
        context = _api.set_span_in_context(self._span)
        return Span(_tracer.start_span(name, context=context, attributes=_clean(attributes)))

    def set(self, **attributes: Any) -> None:
        """Set attributes (None values are left out)."""
        self._span.set_attributes(_clean(attributes))

    def content(self, **texts: str) -> None:
        """Set text attributes only when `OTEL_RECORD_CONTENT` is on (people's words stay out of traces)."""
        if _record_content:
            self.set(**texts)

    def failed(self, reason: str) -> None:
        """Mark the span as an error with a short reason."""
        self._span.set_status(_api.Status(_api.StatusCode.ERROR, reason[:200]))

    def __enter__(self) -> Span:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        if error is not None and isinstance(error, Exception):
            self._span.record_exception(error)
            self.failed(f"{type(error).__name__}: {error}")
        elif error is not None:  # cancelled, or a generator closed early
            self._span.set_attribute("status", "cancelled")
        self._span.end()


class _NoSpan(Span):
    """What every span is while tracing is off: each method does nothing."""

    __slots__ = ()

    def child(self, name: str, **attributes: Any) -> Span:
        return self

    def set(self, **attributes: Any) -> None:
        return None

    def content(self, **texts: str) -> None:
        return None

    def failed(self, reason: str) -> None:
        return None

    def __exit__(self, *exc_info: object) -> None:
        return None


NO_SPAN: Span = _NoSpan(None)


def root_span(name: str, **attributes: Any) -> Span:
    """A new trace's first span (`NO_SPAN` while tracing is off)."""
    if _tracer is None:
        return NO_SPAN
    no_parent = _api.set_span_in_context(_api.INVALID_SPAN)
    return Span(_tracer.start_span(name, context=no_parent, attributes=_clean(attributes)))


def _clean(attributes: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in attributes.items() if value is not None}
