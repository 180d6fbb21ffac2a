"""Several replicas (runners) over one database: following and stopping through Redis, through the database without
it, and answers left behind by a replica that stopped."""

from __future__ import annotations

import asyncio
import sys

import pytest
from sqlalchemy import text

from data360_chat.assistant import events as ev
from data360_chat.repositories import NotFound
from data360_chat.repositories.messages import ChatBusy, add_user_message, list_messages, start_answer
from data360_chat.settings import PROJECT_ROOT
from data360_chat.streams import AnswerSnapshot
from tests.streams.conftest import MakeRunner
from tests.streams.test_runner import read_all, slow_text, stored, text_after
from tests.support.scripted_llm import Pause, Reply, ScriptedLLM, Text, many_words


async def test_a_tab_on_another_replica_follows_and_stops_the_answer(
    make_runner: MakeRunner, llm: ScriptedLLM, database, owner, stranger, redis_url
):
    llm.set_script([slow_text(400)])
    here, there = make_runner(redis_url=redis_url), make_runner(redis_url=redis_url)
    started = await here.start(*owner, "Tell me a lot")
    with pytest.raises(ChatBusy):
        await there.start(*owner, "From the other replica")

    local, remote = here.subscribe(*owner), there.subscribe(*owner)
    mine = [await anext(local)]
    snapshot = await anext(remote)
    assert isinstance(snapshot, AnswerSnapshot) and snapshot.message_id == started.message_id
    heard = [await anext(remote) for _ in range(10)]
    assert all(isinstance(e, ev.TextDelta) for e in heard)
    with pytest.raises(NotFound):
        await there.stop(stranger[0], owner[1])

    assert await there.stop(*owner) is True  # Stop pressed in a tab served by the other replica
    reply = await stored(database, owner, started.message_id)
    assert reply.status == "cancelled"
    rest = await read_all(remote)
    assert rest[-1] == ev.AnswerDone(started.message_id, "cancelled", reply.latency_ms, None)
    assert snapshot.text + text_after(heard + rest) == reply.content
    mine += await read_all(local)
    assert mine[0].text + text_after(mine[1:]) == reply.content and mine[-1] == rest[-1]
    await asyncio.wait_for(llm.requests[0].disconnected.wait(), 2)


async def test_a_reloaded_tab_on_another_replica_resumes_mid_answer(
    make_runner: MakeRunner, llm: ScriptedLLM, database, owner, redis_url
):
    llm.set_script([Reply(steps=(Text(many_words(300), per_chunk=5),), chunk_delay=0.01, usage=(30, 20))])
    here, there = make_runner(redis_url=redis_url), make_runner(redis_url=redis_url)
    started = await here.start(*owner, "Tell me a lot")
    await asyncio.sleep(0.5)
    updates = await read_all(there.follow(*owner, interval=0.1))
    reply = await stored(database, owner, started.message_id)
    first = updates[0]
    assert first.first and first.status == "streaming" and len(first.text) > 50
    assert "".join(u.text for u in updates) == reply.content
    assert updates[-1].done.status == "complete" and updates[-1].usage == ev.UsageReported(30, 20)


async def test_an_answer_not_shared_through_redis_is_followed_from_the_database(
    make_runner: MakeRunner, llm: ScriptedLLM, database, owner, redis_url
):
    llm.set_script([slow_text(200, delay=0.02)])  # about 4 s: the text is saved every 2 s
    here = make_runner()  # no Redis
    plain, shared = make_runner(), make_runner(redis_url=redis_url)
    started = await here.start(*owner, "Tell me a lot")
    assert await plain.stop(*owner) is False  # it cannot reach the replica running the answer
    followed = await asyncio.gather(read_all(plain.follow(*owner)), read_all(shared.follow(*owner)))
    reply = await stored(database, owner, started.message_id)
    for updates in followed:
        assert updates[0].first and updates[0].status == "streaming" and len(updates) >= 2
        assert "".join(u.text for u in updates) == reply.content and updates[-1].done.status == "complete"


async def test_answers_left_behind_by_a_stopped_replica_are_interrupted(
    make_runner: MakeRunner, llm: ScriptedLLM, database, owner
):
    async with database.session() as session:
        await add_user_message(session, *owner, "Asked before the crash")
        orphan = await start_answer(session, *owner, "openai/scripted")
    async with database.engine.begin() as conn:
        await conn.execute(
            text("UPDATE messages SET content = 'Half an', updated_at = now() - interval '5 minutes' WHERE id = :id"),
            {"id": orphan.id},
        )
    runner = make_runner()
    [update] = await read_all(runner.follow(*owner))  # the runner starts by interrupting it
    assert update.text == "Half an" and update.done.status == "error" and "server stopped" in update.failure
    assert (await stored(database, owner, orphan.id)).status == "error"


async def test_a_live_answer_is_kept_alive_while_it_waits(make_runner: MakeRunner, llm: ScriptedLLM, database, owner):
    llm.set_script([Reply(steps=(Text("Let me think. "), Pause(1.5), Text("Done.")))])
    here = make_runner(heartbeat_interval=0.1, stale_after=0.8)
    started = await here.start(*owner, "Think slowly")
    await asyncio.sleep(1.0)  # nothing new is stored while the model pauses
    updates = await read_all(make_runner(stale_after=0.8).follow(*owner, interval=0))  # a replica starting sweeps
    assert updates[-1].done.status == "complete"
    assert (await stored(database, owner, started.message_id)).content == "Let me think. Done."


async def test_a_replica_that_dies_mid_answer_leaves_an_interrupted_answer(
    make_runner: MakeRunner, llm: ScriptedLLM, database, db_url, owner, redis_url, offline_mcp_url
):
    llm.set_script([slow_text(600)])
    replica = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.streams.replica",
        db_url,
        redis_url,
        llm.url,
        offline_mcp_url,
        *map(str, owner),
        "Tell me a lot",
        stdout=asyncio.subprocess.PIPE,
        cwd=PROJECT_ROOT,
    )
    try:
        message_id = int(await asyncio.wait_for(replica.stdout.readline(), 30))
        survivor = make_runner(redis_url=redis_url, heartbeat_interval=0.2, stale_after=1.0)
        follower = survivor.follow(*owner, interval=0)
        updates = [await anext(follower) for _ in range(5)]
        assert updates[0].message_id == message_id and all(u.status == "streaming" for u in updates)
    finally:
        if replica.returncode is None:
            replica.kill()  # no chance to say anything: like a crash or a lost machine
        await replica.wait()
    updates += await read_all(follower)  # the survivor's sweep marks the answer interrupted; its follower ends
    assert updates[-1].done.status == "error" and "server stopped" in updates[-1].failure
    reply = await stored(database, owner, message_id)
    assert reply.status == "error" and "".join(u.text for u in updates) == reply.content  # all Redis carried
    await asyncio.wait_for(llm.requests[0].disconnected.wait(), 2)


async def test_two_replicas_sending_at_once_start_one_answer(
    make_runner: MakeRunner, llm: ScriptedLLM, database, owner
):
    llm.set_script([slow_text(100)])
    one, two = make_runner(), make_runner()
    results = await asyncio.gather(one.start(*owner, "Here"), two.start(*owner, "There"), return_exceptions=True)
    assert sorted(type(r).__name__ for r in results) == ["AnswerStarted", "ChatBusy"]
    async with database.session() as session:
        assert [m.role for m in await list_messages(session, *owner)] == ["user", "assistant"]
