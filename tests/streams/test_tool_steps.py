"""Tool steps and charts as followers see them: in the snapshot of a reloaded tab and in the updates."""

from __future__ import annotations

import asyncio

from data360_chat.assistant import events as ev
from data360_chat.repositories.charts import list_charts
from data360_chat.repositories.tool_calls import list_tool_calls
from data360_chat.streams import AnswerSnapshot
from tests.streams.conftest import MakeRunner
from tests.streams.test_runner import read_all
from tests.support.scripted_llm import Reply, ScriptedLLM, Text, many_words


async def test_a_reloaded_tab_sees_the_tool_steps_so_far(make_runner: MakeRunner, llm: ScriptedLLM, database, owner):
    llm.set_script(
        [
            Reply.tools(("delete_everything", {"really": True})),
            Reply(steps=(Text("I cannot do that. " + many_words(150), per_chunk=5),), chunk_delay=0.01),
        ]
    )
    runner = make_runner()
    started = await runner.start(*owner, "Delete everything")
    live = runner.follow(*owner, interval=0)
    updates = [await anext(live)]
    while not any(u.text for u in updates):
        updates.append(await anext(live))
    [step] = [tool for u in updates for tool in u.tools if tool.status != "running"]
    assert (step.name, step.arguments, step.status) == ("delete_everything", {"really": True}, "error")
    assert "no tool named “delete_everything”" in step.error

    snapshot = await anext(runner.subscribe(*owner))  # a reloaded tab
    assert isinstance(snapshot, AnswerSnapshot) and list(snapshot.tools.values()) == [step]
    updates += await read_all(live)
    assert updates[-1].done.message_id == started.message_id and updates[-1].done.status == "complete"
    async with database.session() as session:
        [call] = await list_tool_calls(session, owner[0], [started.message_id])
    assert (call.id, call.status, call.error) == (step.tool_call_id, "error", step.error)


async def test_charts_reach_followers_and_the_snapshot(
    make_runner: MakeRunner, llm: ScriptedLLM, database, owner, redis_url
):
    kenya = {
        "database_id": "WB_WDI",
        "indicator_id": "WB_WDI_SP_POP_TOTL",
        "disaggregation_filters": {"REF_AREA": "KEN"},
        "start_year": 2000,
        "end_year": 2024,
        "limit": 100,
    }
    final = "Kenya's population grew. " + many_words(60)
    llm.set_script([Reply.tools(("data360_get_data", kenya)), Reply(steps=(Text(final),), chunk_delay=0.01)])
    runner, other_replica = make_runner(redis_url=redis_url), make_runner(redis_url=redis_url)
    started = await runner.start(*owner, "Population of Kenya since 2000")
    updates, relayed = await asyncio.gather(
        read_all(runner.follow(*owner, interval=0)), read_all(other_replica.follow(*owner))
    )
    assert relayed[0].first and relayed[0].status == "streaming"  # followed through Redis, not the database
    assert [t for u in relayed for t in u.tools][-1] == [t for u in updates for t in u.tools][-1]
    assert [c for u in relayed for c in u.charts] == [c for u in updates for c in u.charts]
    assert relayed[-1].sources == updates[-1].sources and relayed[-1].done == updates[-1].done
    steps = [tool for u in updates for tool in u.tools]
    assert [(s.name, s.status) for s in steps][-1] == ("data360_get_data", "ok")
    assert steps[-1].arguments == kenya and steps[-1].duration_ms is not None
    [chart] = [c for u in updates for c in u.charts]
    async with database.session() as session:
        [stored] = await list_charts(session, owner[0], [started.message_id])
    assert (chart.chart_id, chart.figure, chart.points) == (stored.id, stored.figure, len(stored.data))
    assert updates[-1].sources[0]["indicator_id"] == kenya["indicator_id"]

    [after] = await read_all(make_runner().follow(*owner))  # a tab opened after the end, from the database
    assert [c.chart_id for c in after.charts] == [stored.id] and after.charts[0].figure == stored.figure
    assert after.tools == (steps[-1],)
    assert after.sources == updates[-1].sources and after.text == final
    assert isinstance(after.done, ev.AnswerDone)
