"""The observability package inside one process: log line formats, request ids, the metrics switch and the
rate-limit counter, conversation text on spans only when asked for, and no tracing without an endpoint."""

from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys
import uuid

import pytest
from prometheus_client import REGISTRY
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from data360_chat.observability import context, metrics
from data360_chat.observability.asgi import observed
from data360_chat.observability.logs import configure_logging
from data360_chat.observability.tracing import configure_tracing, root_span, shutdown_tracing
from data360_chat.rate_limits import AttemptLimit, MemoryWindows, RateLimited
from data360_chat.settings import PROJECT_ROOT, Settings
from data360_chat.web.metrics_routes import metrics_routes
from tests.support.otlp_receiver import OtlpReceiver


@pytest.fixture
def metrics_switch():
    """Restore the process's metrics switch after the test."""
    yield metrics.configure_metrics
    metrics.configure_metrics(True)


def _log_line(log_format: str) -> str:
    stream = io.StringIO()
    configure_logging(Settings(log_format=log_format, log_level="info"), stream)
    user, chat = uuid.uuid4(), uuid.uuid4()
    context.new_request_id("req-42")
    context.bind_user(user)
    context.bind_chat(chat)
    try:
        logging.getLogger("data360_chat.test").info("answer %s complete", 7)
        return stream.getvalue()
    finally:
        configure_logging(Settings())


def test_a_json_log_line_carries_the_bound_ids() -> None:
    [line] = _log_line("json").splitlines()
    record = json.loads(line)
    assert record["message"] == "answer 7 complete" and record["level"] == "info"
    assert record["logger"] == "data360_chat.test" and record["request_id"] == "req-42"
    assert uuid.UUID(record["user_id"]) and uuid.UUID(record["chat_id"]) and record["time"].endswith("Z")


def test_a_text_log_line_is_for_people() -> None:
    [line] = _log_line("text").splitlines()
    assert "INFO" in line and "data360_chat.test" in line and "request=req-42" in line
    assert line.endswith("answer 7 complete") and not line.startswith("{")


def test_a_request_id_from_outside_is_kept_only_when_well_formed() -> None:
    assert context.new_request_id("abc-123") == "abc-123"
    for odd in ("", "a" * 65, 'x"; DROP', "new\nline"):
        assert context.new_request_id(odd) != odd


async def test_refusals_count_under_the_limits_scope() -> None:
    limit = AttemptLimit(MemoryWindows(), limit=1, window=60, scope="sign_in_test")
    before = REGISTRY.get_sample_value("d360_rate_limit_refusals_total", {"scope": "sign_in_test"}) or 0
    await limit.take("ip:192.0.2.1")
    with pytest.raises(RateLimited):
        await limit.take("ip:192.0.2.1")
    after = REGISTRY.get_sample_value("d360_rate_limit_refusals_total", {"scope": "sign_in_test"})
    assert after == before + 1


def test_metrics_turned_off_are_neither_recorded_nor_served(metrics_switch) -> None:
    client = TestClient(Starlette(routes=metrics_routes()))
    metrics.cache_lookup(hit=True, cache="switch_test")
    served = client.get("/metrics")
    assert served.status_code == 200 and served.headers["content-type"].startswith("text/plain")
    assert 'd360_cache_lookups_total{cache="switch_test",result="hit"} 1.0' in served.text
    metrics_switch(False)
    metrics.cache_lookup(hit=True, cache="switch_test")
    assert client.get("/metrics").status_code == 404
    assert REGISTRY.get_sample_value("d360_cache_lookups_total", {"cache": "switch_test", "result": "hit"}) == 1


def test_without_an_endpoint_no_tracing_is_loaded() -> None:
    """Neither the SDK's tracing nor the exporter is imported, and no export thread runs (redis-py imports the
    SDK's metrics part by itself when the SDK is installed)."""
    code = (
        "import sys, threading, data360_chat.assistant.pipeline, data360_chat.web.app; "
        "import data360_chat.observability as o; "
        "from data360_chat.settings import Settings; o.setup(Settings()); "
        "from data360_chat.observability.tracing import configure_tracing; configure_tracing(Settings()); "
        "print(sorted(m for m in sys.modules if m.startswith(('opentelemetry.sdk.trace', 'opentelemetry.exporter')))"
        " + [t.name for t in threading.enumerate() if t is not threading.main_thread()])"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "[]"


def test_each_request_gets_an_id_in_its_log_context_and_response() -> None:
    async def echo(request: Request) -> JSONResponse:
        return JSONResponse(context.current())

    client = TestClient(observed(Starlette(routes=[Route("/", echo)])))
    given = client.get("/", headers={"X-Request-ID": "trace-7"})
    assert given.headers["x-request-id"] == "trace-7" == given.json()["request_id"]
    assert given.json()["user_id"] is None and given.json()["chat_id"] is None
    fresh = client.get("/", headers={"X-Request-ID": "not an id!"})
    assert fresh.headers["x-request-id"] == fresh.json()["request_id"] != "not an id!"
    assert client.get("/").headers["x-request-id"] != fresh.headers["x-request-id"]


def test_conversation_text_is_on_spans_only_when_asked_for() -> None:
    with OtlpReceiver() as receiver:
        for record in (False, True):
            configure_tracing(
                Settings(otel_exporter_otlp_endpoint=receiver.url, otel_record_content=record, otel_service_name="t")
            )
            with root_span("answer", model="m", record=record) as span, span.child("llm.round") as child:
                span.content(question="Population of Kenya?")
                child.set(prompt_tokens=3, missing=None)
            shutdown_tracing()
        spans = receiver.wait_for(lambda spans: len(spans) == 4)
    answers = {s.attributes["record"]: s for s in spans if s.name == "answer"}
    assert "question" not in answers[False].attributes
    assert answers[True].attributes["question"] == "Population of Kenya?"
    rounds = [s for s in spans if s.name == "llm.round"]
    assert {r.parent_id for r in rounds} == {a.span_id for a in answers.values()}
    assert all(r.attributes == {"prompt_tokens": 3} for r in rounds) and {s.service for s in spans} == {"t"}
