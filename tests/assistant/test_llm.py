"""Model turns through LiteLLM's real OpenAI HTTP path against the scripted SSE server."""

from __future__ import annotations

import asyncio
import json
import time

import pytest

from data360_chat.assistant.llm import ModelError, TurnResult, stream_turn
from tests.assistant.conftest import scripted_settings
from tests.support.scripted_llm import Cut, Hang, Pause, Reply, ScriptedLLM, Text, ToolCall, many_words

QUESTION = [{"role": "user", "content": "Population of Kenya?"}]
TOOLS = [{"type": "function", "function": {"name": "lookup", "parameters": {"type": "object", "properties": {}}}}]


async def run_turn(settings, *, tools=TOOLS, deadline_in: float = 30.0) -> tuple[list[str], TurnResult]:
    deadline = asyncio.get_running_loop().time() + deadline_in
    pieces: list[str] = []
    result = None
    async for item in stream_turn(QUESTION, tools=tools, settings=settings, deadline=deadline):
        if isinstance(item, TurnResult):
            result = item
        else:
            pieces.append(item)
    assert result is not None
    return pieces, result


async def test_text_streams_in_pieces_with_usage(llm: ScriptedLLM):
    llm.set_script([Reply(steps=(Text("Kenya had 51,985,780 people in 2020.", per_chunk=5),), usage=(40, 9))])
    pieces, result = await run_turn(scripted_settings(llm))
    assert len(pieces) > 5
    assert "".join(pieces) == result.text == "Kenya had 51,985,780 people in 2020."
    assert result.usage == (40, 9)
    assert result.tool_calls == []
    sent = llm.requests[0].body
    assert sent["stream"] is True and sent["stream_options"] == {"include_usage": True}
    assert sent["tools"] == TOOLS


async def test_answers_reuse_one_connection_to_the_model(llm: ScriptedLLM):
    """The HTTP client (and its connection) is kept between requests, not made again for each one."""
    llm.set_script([Reply.text(f"Answer {n}.") for n in range(4)])
    for n in range(4):
        _, result = await run_turn(scripted_settings(llm), deadline_in=30.0 + n)
        assert result.text == f"Answer {n}."
    assert llm.connections_opened == 1


async def test_several_tool_calls_with_arguments_split_over_chunks(llm: ScriptedLLM):
    first = {"query": "population", "required_country": "Kenya, Tanzania"}
    second = {"database_id": "WB_WDI", "indicator_id": "WB_WDI_SP_POP_TOTL", "limit": 100}
    llm.set_script(
        [
            Reply(
                steps=(
                    Text("Let me look."),
                    ToolCall("search", json.dumps(first), call_id="a", pieces=7),
                    ToolCall("get_data", json.dumps(second), call_id="b", pieces=11),
                )
            )
        ]
    )
    _, result = await run_turn(scripted_settings(llm))
    assert [(c.call_id, c.name) for c in result.tool_calls] == [("a", "search"), ("b", "get_data")]
    assert [json.loads(c.arguments) for c in result.tool_calls] == [first, second]
    assert result.text == "Let me look."


async def test_malformed_arguments_are_kept_raw_for_the_caller(llm: ScriptedLLM):
    llm.set_script([Reply.tools(("lookup", '{"indicator": "GDP", '))])
    _, result = await run_turn(scripted_settings(llm))
    assert result.tool_calls[0].arguments == '{"indicator": "GDP", '


async def test_429_and_500_before_the_first_token_are_retried(llm: ScriptedLLM):
    llm.set_script([Reply.failure(429, "slow down"), Reply.failure(500), Reply.text("Recovered.")])
    pieces, _ = await run_turn(scripted_settings(llm, llm_retries=2))
    assert "".join(pieces) == "Recovered."
    assert len(llm.requests) == 3


async def test_retries_run_out_with_a_human_message(llm: ScriptedLLM):
    llm.set_script([Reply.failure(503)] * 3)
    with pytest.raises(ModelError, match="internal error"):
        await run_turn(scripted_settings(llm, llm_retries=2))
    assert len(llm.requests) == 3


async def test_rate_limit_is_explained(llm: ScriptedLLM):
    llm.set_script([Reply.failure(429)])
    with pytest.raises(ModelError, match="rate limit"):
        await run_turn(scripted_settings(llm, llm_retries=0))


async def test_the_fallback_model_answers_when_the_main_one_keeps_failing(llm: ScriptedLLM):
    llm.set_script([Reply.failure(500), Reply.failure(500), Reply.text("From the fallback.")])
    pieces, result = await run_turn(scripted_settings(llm, llm_retries=1, llm_fallback_model="openai/backup"))
    assert "".join(pieces) == "From the fallback."
    assert result.model == "openai/backup"
    assert [r.body["model"] for r in llm.requests] == ["scripted", "scripted", "backup"]


async def test_auth_errors_are_not_retried(llm: ScriptedLLM):
    llm.set_script([Reply.failure(401, "bad key"), Reply.text("never")])
    with pytest.raises(ModelError, match="LLM_API_KEY"):
        await run_turn(scripted_settings(llm))
    assert len(llm.requests) == 1


async def test_no_retry_after_text_was_shown(llm: ScriptedLLM):
    llm.set_script([Reply(steps=(Text("Kenya had "), Cut())), Reply.text("Kenya had 52 million people.")])
    pieces: list[str] = []
    settings = scripted_settings(llm)
    deadline = asyncio.get_running_loop().time() + 30
    with pytest.raises(ModelError):
        async for item in stream_turn(QUESTION, tools=TOOLS, settings=settings, deadline=deadline):
            if isinstance(item, str):
                pieces.append(item)
    assert "".join(pieces) == "Kenya had "
    assert len(llm.requests) == 1


async def test_a_hang_before_the_first_chunk_is_bounded_and_the_request_closed(llm: ScriptedLLM):
    llm.set_script([Reply(steps=(Hang(),), first_chunk_delay=60)])
    started = time.perf_counter()
    with pytest.raises(ModelError, match="no first reply within 1 s"):
        await run_turn(scripted_settings(llm, llm_first_chunk_timeout=1.0))
    assert time.perf_counter() - started < 3
    await asyncio.wait_for(llm.requests[0].disconnected.wait(), 2)


async def test_a_hang_mid_stream_is_bounded_and_the_request_closed(llm: ScriptedLLM):
    llm.set_script([Reply(steps=(Text("Kenya had "), Hang()))])
    started = time.perf_counter()
    with pytest.raises(ModelError, match="no new text within 1 s"):
        await run_turn(scripted_settings(llm, llm_chunk_gap_timeout=1.0))
    assert time.perf_counter() - started < 3
    await asyncio.wait_for(llm.requests[0].disconnected.wait(), 2)


async def test_the_deadline_stops_a_slow_but_steady_stream(llm: ScriptedLLM):
    llm.set_script([Reply(steps=(Text(many_words(400), per_chunk=5),), chunk_delay=0.05)])
    started = time.perf_counter()
    with pytest.raises(ModelError, match="time limit"):
        await run_turn(scripted_settings(llm), deadline_in=1.5)
    assert time.perf_counter() - started < 3


async def test_cancelling_the_consumer_closes_the_request(llm: ScriptedLLM):
    llm.set_script([Reply(steps=(Text(many_words(200), per_chunk=5),), chunk_delay=0.02)])
    settings = scripted_settings(llm)
    streaming = asyncio.Event()

    async def consume() -> None:
        deadline = asyncio.get_running_loop().time() + 30
        count = 0
        async for _ in stream_turn(QUESTION, tools=TOOLS, settings=settings, deadline=deadline):
            count += 1
            if count == 5:
                streaming.set()

    task = asyncio.create_task(consume())
    await asyncio.wait_for(streaming.wait(), 10)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    request = llm.requests[0]
    await asyncio.wait_for(request.disconnected.wait(), 2)
    sent_at_stop = request.chunks_sent
    await asyncio.sleep(0.3)
    assert request.chunks_sent == sent_at_stop < 50
    assert not request.completed


async def test_a_pause_shorter_than_the_gap_is_fine(llm: ScriptedLLM):
    llm.set_script([Reply(steps=(Text("one "), Pause(0.5), Text("two")))])
    pieces, _ = await run_turn(scripted_settings(llm, llm_chunk_gap_timeout=2.0))
    assert "".join(pieces) == "one two"


async def test_a_complete_stream_without_usage_gets_litellms_count(llm: ScriptedLLM):
    # Only a stream cut before its usage leaves usage unknown (checked with the pipeline); a stream that ends
    # normally without a usage chunk is counted by LiteLLM.
    llm.set_script([Reply(steps=(Text("Short answer here."),), usage=None)])
    _, result = await run_turn(scripted_settings(llm))
    assert result.usage is not None and result.usage[1] > 0


async def test_a_slow_consumer_is_not_taken_for_a_silent_model(llm: ScriptedLLM):
    llm.set_script([Reply(steps=(Text("one two three four", per_chunk=4),))])
    settings = scripted_settings(llm, llm_chunk_gap_timeout=0.5)
    deadline = asyncio.get_running_loop().time() + 30
    pieces: list[str] = []
    async for item in stream_turn(QUESTION, tools=TOOLS, settings=settings, deadline=deadline):
        if isinstance(item, str):
            pieces.append(item)
            await asyncio.sleep(0.7)
    assert "".join(pieces) == "one two three four" and len(pieces) > 2
