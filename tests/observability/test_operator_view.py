"""What an operator sees of the running app after one answer: a real Prometheus scraping `/metrics`, a loopback
OTLP/HTTP receiver taking its traces, and the JSON log lines on its output.

The app runs as in production (`serve`) with the offline Data360 MCP server and the scripted model behind LiteLLM;
one tab asks one question over the page's websocket (one tool call, then the text), and each test compares what
the operator's tools report with what happened.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import asyncpg
import httpx
import pytest

from data360_chat.ui.state.chat_actions import ChatActions
from tests.support.accounts import COOKIE_NAME, create_user, session_cookie
from tests.support.app_server import RunningApp, app_database, running_app
from tests.support.otlp_receiver import OtlpReceiver, ReceivedSpan
from tests.support.prometheus import Prometheus, prometheus_scraping
from tests.support.reflex_socket import ReflexSocket
from tests.support.scripted_llm import Reply, ScriptedLLM, Text

PASSWORD = "correct horse battery staple"
QUESTION = "Population of Kenya since 2000"
KENYA = {
    "database_id": "WB_WDI",
    "indicator_id": "WB_WDI_SP_POP_TOTL",
    "disaggregation_filters": {"REF_AREA": "KEN"},
    "start_year": 2000,
    "end_year": 2024,
}
USAGE = [(120, 15), (480, 42)]  # what the scripted model reports for its two turns
LOGIN_LIMIT = 2


@dataclass(frozen=True)
class Answered:
    """The app after the answer, and what happened."""

    app: RunningApp
    prometheus: Prometheus
    receiver: OtlpReceiver
    user_id: uuid.UUID
    chat_id: uuid.UUID
    message_id: int
    tabs_while_open: float | None


async def _answer(db_url: str) -> tuple[uuid.UUID, int, str]:
    """The stored answer's chat, id and status, once it is no longer streaming."""
    conn = await asyncpg.connect(db_url)
    try:
        for _ in range(300):
            row = await conn.fetchrow("SELECT chat_id, id, status FROM messages WHERE role = 'assistant'")
            if row is not None and row["status"] != "streaming":
                return row["chat_id"], row["id"], row["status"]
            await asyncio.sleep(0.1)
    finally:
        await conn.close()
    raise AssertionError("the answer did not end within 30 s")


async def _ask_in_a_tab(app: RunningApp, prometheus: Prometheus, cookie: str, db_url: str) -> tuple[Any, ...]:
    async with ReflexSocket(app.url, cookie=cookie) as tab:
        await tab.send(ChatActions, "load", path="/")
        tabs = await asyncio.to_thread(prometheus.wait_for, "d360_connected_tabs", 1)
        await tab.send(ChatActions, "ask", {"text": QUESTION})
        chat_id, message_id, status = await _answer(db_url)
        await tab.settle()
    return tabs, chat_id, message_id, status


@pytest.fixture(scope="module")
def answered(pg_url: str, template_db: str) -> Iterator[Answered]:
    script = [
        Reply.tools(("data360_get_data", KENYA), usage=USAGE[0]),
        Reply(steps=(Text("Kenya's population grew steadily from 2000 to 2024."),), usage=USAGE[1]),
    ]
    with (
        ScriptedLLM.in_thread(script) as llm,
        OtlpReceiver() as receiver,
        app_database(pg_url, template_db) as db_url,
        running_app(
            db_url,
            env={
                "DATA360_MCP_URL": "",
                "LLM_MODEL": "openai/scripted",
                "LLM_API_BASE": llm.url,
                "LLM_API_KEY": "test-key",
                "OTEL_EXPORTER_OTLP_ENDPOINT": receiver.url,
                "OTEL_SERVICE_NAME": "d360-under-test",
                "OTEL_BSP_SCHEDULE_DELAY": "200",  # the SDK's export batch delay, in ms
                "LOG_LEVEL": "info",
                "LOG_FORMAT": "json",
                "LOGIN_RATE_LIMIT": str(LOGIN_LIMIT),
            },
        ) as app,
        prometheus_scraping(f"127.0.0.1:{app.port}") as prometheus,
    ):
        email = f"u{uuid.uuid4().hex[:10]}@example.org"
        user_id = create_user(db_url, email, PASSWORD)
        cookie = f"{COOKIE_NAME}={session_cookie(app.url, email, PASSWORD)['value']}"
        tabs, chat_id, message_id, status = asyncio.run(_ask_in_a_tab(app, prometheus, cookie, db_url))
        assert status == "complete", app.log_tail()
        yield Answered(app, prometheus, receiver, user_id, chat_id, message_id, tabs)


def test_prometheus_scrapes_what_happened(answered: Answered) -> None:
    prom = answered.prometheus
    assert prom.target_health() == "up"
    assert answered.tabs_while_open == 1
    assert prom.wait_for('d360_answers_total{status="complete"}', 1) == 1
    assert prom.value('sum(d360_answers_total{status!="complete"})') in (None, 0)
    model = "openai/scripted"
    assert prom.value(f'd360_llm_tokens_total{{model="{model}",kind="prompt"}}') == sum(p for p, _ in USAGE)
    assert prom.value(f'd360_llm_tokens_total{{model="{model}",kind="completion"}}') == sum(c for _, c in USAGE)
    assert prom.value(f'd360_llm_time_to_first_token_seconds_count{{model="{model}"}}') == len(USAGE)
    assert prom.value('d360_tool_call_duration_seconds_count{tool="data360_get_data"}') == 1
    assert prom.value("sum(d360_tool_call_duration_seconds_count)") == 1
    assert prom.value("sum(d360_tool_call_errors_total)") in (None, 0)
    assert prom.value('d360_answer_duration_seconds_count{status="complete"}') == 1
    assert prom.value("d360_active_answers") == 0
    assert prom.wait_for("d360_connected_tabs", 0) == 0  # the tab has closed


def test_sign_in_refusals_count_under_their_scope(answered: Answered) -> None:
    url = answered.app.url
    for _ in range(LOGIN_LIMIT + 1):
        response = httpx.post(
            f"{url}/auth/sign-in",
            data={"email": "nobody@example.org", "password": "wrong password"},
            headers={"Origin": url},
            timeout=30,
        )
    assert "rate" in response.headers.get("location", "") or response.status_code == 429
    assert answered.prometheus.wait_for('d360_rate_limit_refusals_total{scope="sign_in"}', 1) == 1


def _spans(answered: Answered) -> list[ReceivedSpan]:
    def complete(spans: list[ReceivedSpan]) -> bool:
        return any(s.name == "answer" for s in spans) and sum(s.name == "db.tool_finished" for s in spans) == 1

    return answered.receiver.wait_for(complete)


def test_the_trace_of_the_answer(answered: Answered) -> None:
    spans = _spans(answered)
    assert set(answered.receiver.content_types) == {"application/x-protobuf"}
    [answer] = [s for s in spans if s.name == "answer"]
    trace = [s for s in spans if s.trace_id == answer.trace_id]
    children = {s.span_id: [c for c in trace if c.parent_id == s.span_id] for s in trace}

    def names(span: ReceivedSpan) -> list[str]:
        return sorted(c.name for c in children[span.span_id])

    assert answer.parent_id == "" and answer.service == "d360-under-test"
    assert names(answer) == ["db.begin", "db.complete", "llm.round", "llm.round"]
    first, second = sorted((c for c in children[answer.span_id] if c.name == "llm.round"), key=lambda s: s.start_ns)
    assert names(first) == ["db.tools_started", "tool.call"] and names(second) == []
    tool = next(c for c in children[first.span_id] if c.name == "tool.call")
    assert names(tool) == ["db.tool_finished"]

    assert answer.attributes["model"] == "openai/scripted" and answer.attributes["status"] == "complete"
    assert answer.attributes["message_id"] == answered.message_id
    totals = (sum(p for p, _ in USAGE), sum(c for _, c in USAGE))
    assert (answer.attributes["prompt_tokens"], answer.attributes["completion_tokens"]) == totals
    for round_span, usage in zip((first, second), USAGE, strict=True):
        assert (round_span.attributes["prompt_tokens"], round_span.attributes["completion_tokens"]) == usage
        assert round_span.attributes["model"] == "openai/scripted"
        assert round_span.attributes["time_to_first_token_ms"] >= 0
    assert (first.attributes["tool_calls"], second.attributes["tool_calls"]) == (1, 0)
    assert tool.attributes["tool"] == "data360_get_data" and tool.attributes["status"] == "ok" and not tool.error
    assert tool.attributes["duration_ms"] >= 0 and tool.start_ns <= tool.end_ns
    assert answer.start_ns <= first.start_ns < second.start_ns <= answer.end_ns
    # no words of the conversation leave the app unless OTEL_RECORD_CONTENT is set
    text = json.dumps([s.attributes for s in trace])
    assert "Kenya" not in text and not {"question", "answer", "text", "arguments"} & {
        key for s in trace for key in s.attributes
    }


def test_log_lines_are_json_with_the_request_user_and_chat(answered: Answered) -> None:
    lines = answered.app.log_path.read_text().splitlines()
    ours = [json.loads(line) for line in lines if line.startswith("{") and '"logger": "data360_chat' in line]
    assert ours, answered.app.log_tail()
    for record in ours:
        assert {"time", "level", "message", "logger", "request_id", "user_id", "chat_id"} <= record.keys()
        assert record["time"].endswith("Z") and record["level"] in ("debug", "info", "warning", "error")
    [ended] = [r for r in ours if r["message"].startswith(f"answer {answered.message_id} complete in ")]
    assert ended["logger"] == "data360_chat.assistant.pipeline"
    assert (ended["user_id"], ended["chat_id"]) == (str(answered.user_id), str(answered.chat_id))
    assert ended["request_id"]
    [running] = [line for line in lines if "App running at" in line]  # Reflex's own lines are JSON too
    assert json.loads(running)["level"] == "info"
