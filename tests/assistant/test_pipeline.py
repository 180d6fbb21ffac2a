"""The answer pipeline end to end: scripted model over LiteLLM's HTTP path, the real MCP client and offline server,
and the rows it leaves in PostgreSQL."""

from __future__ import annotations

import asyncio
import json
import time
import uuid

import pytest

from data360_chat.assistant import events as ev
from data360_chat.assistant.pipeline import MessageRejected, answer, edit_and_resend, regenerate
from data360_chat.assistant.prompt import table_records
from data360_chat.assistant.store import STOPPED
from data360_chat.db.engine import Database
from data360_chat.repositories.charts import list_charts
from data360_chat.repositories.messages import ChatBusy, get_message, list_messages
from data360_chat.repositories.tool_calls import list_tool_calls
from tests.assistant.conftest import scripted_settings
from tests.support.data360_tools import KENYA_DATA, POPULATION
from tests.support.scripted_llm import Cut, Hang, Pause, Reply, ScriptedLLM, Text, ToolCall, many_words
from tests.support.wdi import rows


def kenya() -> dict[int, float]:
    return {r.year: r.value for r in rows("SP.POP.TOTL", ("KEN",), (2000, 2024))}


async def collect(stream) -> list:
    return [event async for event in stream]


def text_of(events: list) -> str:
    return "".join(e.text for e in events if isinstance(e, ev.TextDelta))


async def messages(database: Database, owner: tuple[uuid.UUID, uuid.UUID]) -> list:
    async with database.session() as session:
        return await list_messages(session, *owner)


def ask(owner, question, database, hub, settings, **options):
    return answer(*owner, question, database=database, hub=hub, settings=settings, **options)


async def test_a_text_answer_is_streamed_and_stored(llm: ScriptedLLM, database, hub, owner):
    llm.set_script([Reply(steps=(Text("Hello! Ask me about World Bank data."),), usage=(120, 9))])
    events = await collect(ask(owner, "Hi there", database, hub, scripted_settings(llm)))
    started, done = events[0], events[-1]
    assert isinstance(started, ev.AnswerStarted) and started.offline is False
    assert isinstance(done, ev.AnswerDone) and done.status == "complete"
    assert ev.UsageReported(120, 9) in events
    question, reply = await messages(database, owner)
    assert (question.id, question.role, question.content) == (started.user_message_id, "user", "Hi there")
    assert reply.id == started.message_id == done.message_id
    assert (reply.status, reply.content) == ("complete", text_of(events))
    assert (reply.prompt_tokens, reply.completion_tokens, reply.model) == (120, 9, "openai/scripted")
    assert reply.latency_ms == done.latency_ms > 0
    sent = llm.requests[0].messages
    assert sent[0]["role"] == "system" and sent[-1] == {"role": "user", "content": "Hi there"}


async def test_the_time_to_the_first_token_is_stored_with_the_answer(llm: ScriptedLLM, database, hub, owner):
    llm.set_script([Reply(steps=(Pause(0.4), Text("Hello"), Pause(0.6), Text(" again.")))])
    done = (await collect(ask(owner, "Hi", database, hub, scripted_settings(llm))))[-1]
    _, reply = await messages(database, owner)
    assert 400 <= reply.first_token_ms <= reply.latency_ms - 600
    assert reply.latency_ms == done.latency_ms


async def test_tools_run_in_parallel_and_their_data_grounds_the_answer(llm: ScriptedLLM, database, hub, owner):
    values = kenya()
    final = f"Kenya had {values[2000]:,.0f} people in 2000 and {values[2024] / 1e6:.1f} million in 2024."
    llm.set_script(
        [
            Reply.tools(
                ("data360_search_indicators", {"query": "population", "required_country": "Kenya"}),
                ("data360_get_data", KENYA_DATA),
            ),
            Reply.text(final),
        ]
    )
    events = await collect(ask(owner, "Population of Kenya since 2000", database, hub, scripted_settings(llm)))
    kinds = [type(e).__name__ for e in events]
    assert kinds.index("ToolFinished") > kinds.index("ToolStarted") + 1  # both started before either finished
    finished = [e for e in events if isinstance(e, ev.ToolFinished)]
    assert all(e.ok for e in finished) and len(finished) == 2
    done = events[-1]
    assert done.status == "complete" and done.grounded_share == 1.0 and done.ungrounded_numbers == []

    # The model got the data back, compact, with the file's exact values.
    tool_messages = [m for m in llm.requests[1].messages if m["role"] == "tool"]
    data_message = next(m for m in tool_messages if m["tool_call_id"] == "call_1")
    returned = table_records(json.loads(data_message["content"]))
    assert {float(r["OBS_VALUE"]) for r in returned if "OBS_VALUE" in r} >= set(values.values())

    [chart_event] = [e for e in events if isinstance(e, ev.ChartReady)]
    [sources] = [e.sources for e in events if isinstance(e, ev.SourcesReady)]
    assert sources[0]["indicator_id"] == POPULATION and sources[0]["countries"] == ["Kenya"]
    assert sources[0]["url"] == f"https://data360.worldbank.org/en/indicator/{POPULATION}"
    async with database.session() as session:
        reply = await get_message(session, owner[0], done.message_id)
        calls = await list_tool_calls(session, owner[0], [done.message_id])
        [chart] = await list_charts(session, owner[0], [done.message_id])
    assert reply.grounded_share == 1.0 and reply.sources == sources and reply.content == final
    assert reply.numbers_checked == 2  # the two populations; the years are not checked
    assert [(c.tool_name, c.status) for c in calls] == [("data360_search_indicators", "ok"), ("data360_get_data", "ok")]
    assert calls[1].arguments == KENYA_DATA and calls[1].duration_ms is not None
    assert chart.id == chart_event.chart_id and chart.figure == chart_event.figure
    assert {(r["year"], r["value"]) for r in chart.data} == set(values.items())


async def test_malformed_tool_json_and_unknown_tools_go_back_to_the_model(llm: ScriptedLLM, database, hub, owner):
    llm.set_script(
        [
            Reply(
                steps=(
                    ToolCall("data360_get_data", '{"indicator_id": "WB_WDI_SP_POP_TOTL", ', call_id="bad"),
                    ToolCall("delete_everything", "{}", call_id="ghost"),
                )
            ),
            Reply.text("Sorry, I could not fetch that."),
        ]
    )
    events = await collect(ask(owner, "Population of Kenya", database, hub, scripted_settings(llm)))
    assert events[-1].status == "complete"
    errors = {e.call_id: e.error for e in events if isinstance(e, ev.ToolFinished)}
    assert "not valid JSON" in errors["bad"] and "no tool named “delete_everything”" in errors["ghost"]
    returned = {m["tool_call_id"]: json.loads(m["content"]) for m in llm.requests[1].messages if m["role"] == "tool"}
    assert returned["bad"]["error"] == errors["bad"] and returned["ghost"]["error"] == errors["ghost"]
    async with database.session() as session:
        calls = await list_tool_calls(session, owner[0], [events[-1].message_id])
    assert [c.status for c in calls] == ["error", "error"]
    assert calls[0].arguments == {"raw": '{"indicator_id": "WB_WDI_SP_POP_TOTL", '}


async def test_tool_rounds_stop_at_the_depth_limit(llm: ScriptedLLM, database, hub, owner):
    asking = Reply.tools(("data360_search_indicators", {"query": "population"}))
    llm.set_script(lambda body: asking)
    settings = scripted_settings(llm, max_tool_depth=2)
    events = await collect(ask(owner, "Population?", database, hub, settings))
    assert len(llm.requests) == 3
    assert llm.requests[-1].body["tool_choice"] == "none"
    assert "tool_choice" not in llm.requests[0].body
    [failed] = [e for e in events if isinstance(e, ev.AnswerFailed)]
    assert "2 rounds of tool calls" in failed.message
    assert events[-1].status == "error"
    [_, reply] = await messages(database, owner)
    assert (reply.status, reply.error) == ("error", failed.message)


async def test_a_failure_mid_stream_keeps_the_partial_text(llm: ScriptedLLM, database, hub, owner):
    llm.set_script([Reply(steps=(Text("Kenya's population was "), Cut()))])
    events = await collect(ask(owner, "Population of Kenya", database, hub, scripted_settings(llm)))
    [failed] = [e for e in events if isinstance(e, ev.AnswerFailed)]
    assert "broke off in the middle of the answer" in failed.message
    assert ev.UsageReported(None, None) in events
    [_, reply] = await messages(database, owner)
    assert (reply.status, reply.content, reply.error) == ("error", "Kenya's population was ", failed.message)
    assert reply.prompt_tokens is None and reply.completion_tokens is None


@pytest.mark.parametrize(
    ("reply", "partial", "reason"),
    [
        (Reply(steps=(Hang(),), first_chunk_delay=30), "", "no first reply within 1 s"),
        (Reply(steps=(Text("Kenya had "), Hang())), "Kenya had ", "no new text within 1 s"),
    ],
)
async def test_a_hanging_model_is_given_up_on(llm: ScriptedLLM, database, hub, owner, reply, partial, reason):
    llm.set_script([reply])
    settings = scripted_settings(llm, llm_first_chunk_timeout=1.0, llm_chunk_gap_timeout=1.0)
    events = await collect(ask(owner, "Population of Kenya", database, hub, settings))
    [failed] = [e for e in events if isinstance(e, ev.AnswerFailed)]
    assert reason in failed.message
    [_, stored] = await messages(database, owner)
    assert (stored.status, stored.content) == ("error", partial)
    await asyncio.wait_for(llm.requests[0].disconnected.wait(), 2)


async def test_rate_limits_before_the_first_token_are_retried_without_duplicates(
    llm: ScriptedLLM, database, hub, owner
):
    llm.set_script([Reply.failure(429), Reply.failure(502), Reply.text("Here you are.")])
    events = await collect(ask(owner, "Hello", database, hub, scripted_settings(llm)))
    assert text_of(events) == "Here you are."
    assert events[-1].status == "complete" and len(llm.requests) == 3


async def test_the_mcp_server_being_down_is_a_tool_error_the_model_can_explain(llm: ScriptedLLM, database, owner):
    from data360_chat.mcp_client import McpHub
    from data360_chat.settings import Settings
    from tests.support.net import free_port

    down = McpHub(Settings(data360_mcp_url=f"http://127.0.0.1:{free_port()}/mcp"))
    await down.start()
    try:
        tools = down.openai_tools()
        name = tools[0]["function"]["name"] if tools else "data360_get_data"
        llm.set_script([Reply.tools((name, KENYA_DATA)), Reply.text("The data service is unavailable right now.")])
        events = await collect(ask(owner, "Population of Kenya", database, down, scripted_settings(llm)))
    finally:
        await down.close()
    assert events[-1].status == "complete"
    [finished] = [e for e in events if isinstance(e, ev.ToolFinished)]
    assert not finished.ok and finished.error
    assert json.loads(next(m for m in llm.requests[1].messages if m["role"] == "tool")["content"])["error"]


async def test_stop_cancels_the_model_request_and_keeps_the_partial_text(llm: ScriptedLLM, database, hub, owner):
    llm.set_script([Reply(steps=(Text(many_words(400), per_chunk=5),), chunk_delay=0.02)])
    streaming = asyncio.Event()
    seen: list = []

    async def consume() -> None:
        async for event in ask(owner, "Tell me a lot", database, hub, scripted_settings(llm)):
            seen.append(event)
            if sum(isinstance(e, ev.TextDelta) for e in seen) == 10:
                streaming.set()

    task = asyncio.create_task(consume())
    await asyncio.wait_for(streaming.wait(), 20)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    request = llm.requests[0]
    await asyncio.wait_for(request.disconnected.wait(), 2)
    sent = request.chunks_sent
    await asyncio.sleep(0.3)
    assert request.chunks_sent == sent and not request.completed
    [_, reply] = await messages(database, owner)
    assert reply.status == "cancelled"
    assert reply.content.startswith(text_of(seen)) and len(reply.content) >= 10 * 5 - 5
    assert reply.prompt_tokens is None


async def test_closing_the_stream_is_a_stop_too(llm: ScriptedLLM, database, hub, owner):
    llm.set_script([Reply(steps=(Text(many_words(400), per_chunk=5),), chunk_delay=0.02)])
    stream = ask(owner, "Tell me a lot", database, hub, scripted_settings(llm))
    async for event in stream:
        if isinstance(event, ev.TextDelta):
            break
    await stream.aclose()
    await asyncio.wait_for(llm.requests[0].disconnected.wait(), 2)
    [_, reply] = await messages(database, owner)
    assert reply.status == "cancelled"


async def test_text_is_saved_while_it_streams(llm: ScriptedLLM, database, hub, owner):
    llm.set_script([Reply(steps=(Text(many_words(120), per_chunk=5),), chunk_delay=0.04)])
    stream = ask(owner, "Tell me a lot", database, hub, scripted_settings(llm))
    started = await anext(stream)
    consumer = asyncio.create_task(collect(stream))
    await asyncio.sleep(3.2)
    async with database.session() as session:
        during = await get_message(session, owner[0], started.message_id)
    assert during.status == "streaming" and 0 < len(during.content) < len(many_words(120))
    events = await consumer
    assert events[-1].status == "complete", events[-3:]


async def test_bad_messages_are_refused_before_anything_is_stored(llm: ScriptedLLM, database, hub, owner):
    settings = scripted_settings(llm, max_message_chars=50)
    for text, reason in (("   ", "empty"), ("x" * 51, "51 characters long; the limit is 50")):
        with pytest.raises(MessageRejected, match=reason):
            await collect(ask(owner, text, database, hub, settings))
    assert await messages(database, owner) == []
    assert llm.requests == []


async def test_one_answer_at_a_time_per_chat(llm: ScriptedLLM, database, hub, owner):
    llm.set_script([Reply(steps=(Text(many_words(200), per_chunk=5),), chunk_delay=0.02)])
    settings = scripted_settings(llm)
    first = ask(owner, "First", database, hub, settings)
    await anext(first)
    with pytest.raises(ChatBusy):
        await collect(ask(owner, "Second", database, hub, settings))
    with pytest.raises(ChatBusy):
        await collect(regenerate(*owner, database=database, hub=hub, settings=settings))
    assert [m.content for m in await messages(database, owner)] == ["First", ""]
    await first.aclose()


async def test_regenerate_and_edit_replace_the_right_messages(llm: ScriptedLLM, database, hub, owner):
    llm.set_script([Reply.text("One."), Reply.text("Two."), Reply.text("Two again."), Reply.text("Edited.")])
    settings = scripted_settings(llm)
    await collect(ask(owner, "First question", database, hub, settings))
    await collect(ask(owner, "Second question", database, hub, settings))
    await collect(regenerate(*owner, database=database, hub=hub, settings=settings))
    assert [m.content for m in await messages(database, owner)] == [
        "First question",
        "One.",
        "Second question",
        "Two again.",
    ]
    assert [m["content"] for m in llm.requests[2].messages[1:]] == ["First question", "One.", "Second question"]
    first_question = (await messages(database, owner))[0]
    await collect(
        edit_and_resend(*owner, first_question.id, "Changed question", database=database, hub=hub, settings=settings)
    )
    assert [m.content for m in await messages(database, owner)] == ["Changed question", "Edited."]


async def test_stop_during_a_tool_call_cancels_the_call(llm: ScriptedLLM, database, owner):
    from data360_chat.mcp_client import McpHub
    from tests.support.fault_mcp_server import fault_server

    with fault_server() as faults:
        servers = json.dumps([{"name": "faults", "url": faults.url}])
        settings = scripted_settings(llm, data360_mcp_url=None, extra_mcp_servers=servers, tool_timeout=60.0)
        slow = McpHub(settings)
        await slow.start()
        try:
            llm.set_script([Reply.tools(("sleep", {"seconds": 30})), Reply.text("Never asked for.")])
            calling = asyncio.Event()

            async def consume() -> None:
                async for event in ask(owner, "Take your time", database, slow, settings):
                    if isinstance(event, ev.ToolStarted):
                        calling.set()

            task = asyncio.create_task(consume())
            await asyncio.wait_for(calling.wait(), 20)
            await asyncio.sleep(0.3)
            stopped_at = time.perf_counter()
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            assert time.perf_counter() - stopped_at < 2
            echoed = await slow.call("echo", {"text": "still here"}, timeout=5)  # the session is not stuck
            assert echoed.ok and "still here" in echoed.text
        finally:
            await slow.close()
    assert len(llm.requests) == 1  # the model was not asked again after Stop
    [_, reply] = await messages(database, owner)
    assert reply.status == "cancelled"
    async with database.session() as session:
        [call] = await list_tool_calls(session, owner[0], [reply.id])
    assert (call.tool_name, call.status, call.error) == ("sleep", "error", STOPPED)


async def test_the_hard_deadline_stops_a_slow_but_steady_answer(llm: ScriptedLLM, database, hub, owner):
    llm.set_script([Reply(steps=(Text(many_words(400), per_chunk=5),), chunk_delay=0.05)])
    started = time.perf_counter()
    events = await collect(ask(owner, "Tell me a lot", database, hub, scripted_settings(llm, llm_answer_deadline=1.5)))
    assert time.perf_counter() - started < 3
    [failed] = [e for e in events if isinstance(e, ev.AnswerFailed)]
    assert "time limit" in failed.message
    await asyncio.wait_for(llm.requests[0].disconnected.wait(), 2)
    [_, reply] = await messages(database, owner)
    assert (reply.status, reply.content) == ("error", text_of(events)) and reply.content
    assert reply.prompt_tokens is None


async def test_several_tool_calls_with_split_arguments_in_one_turn(llm: ScriptedLLM, database, hub, owner):
    search = {"query": "population", "required_country": "Kenya"}
    llm.set_script(
        [
            Reply(
                steps=(
                    ToolCall("data360_search_indicators", json.dumps(search), call_id="s", pieces=9),
                    ToolCall("data360_get_data", json.dumps(KENYA_DATA), call_id="d", pieces=17),
                )
            ),
            Reply.text("Done."),
        ]
    )
    events = await collect(ask(owner, "Population of Kenya", database, hub, scripted_settings(llm)))
    started = {e.call_id: e.arguments for e in events if isinstance(e, ev.ToolStarted)}
    assert started == {"s": search, "d": KENYA_DATA}
    assert all(e.ok for e in events if isinstance(e, ev.ToolFinished))
