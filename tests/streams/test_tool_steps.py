"""Tool steps and charts as followers see them: in the snapshot of a reloaded tab and in the updates."""

from __future__ import annotations

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
