"""Answers while Redis fails: an answer goes on and is stored whatever Redis does; a tab on another replica follows
it from the database once Redis stops; Stop across replicas needs Redis and says so by returning False; a replica
that starts while Redis is down runs and follows its own answers, and hears Stop requests once Redis is back."""

from __future__ import annotations

import asyncio

from tests.streams.conftest import MakeRunner
from tests.streams.test_runner import read_all, slow_text, stored
from tests.support.net import free_port
from tests.support.redis import own_redis
from tests.support.scripted_llm import ScriptedLLM


async def test_redis_stopped_mid_answer_leaves_the_answer_running_and_followed_from_the_database(
    make_runner: MakeRunner, llm: ScriptedLLM, database, owner
):
    llm.set_script([slow_text(250, delay=0.02)])  # about 5 s
    with own_redis() as redis:
        here, there = make_runner(redis_url=redis.url), make_runner(redis_url=redis.url)
        started = await here.start(*owner, "Tell me a lot")
        local, remote = here.follow(*owner, interval=0.1), there.follow(*owner, interval=0.1)
        seen = [await anext(remote) for _ in range(3)]  # through Redis
        assert seen[0].first and seen[0].status == "streaming"
        redis.stop()
        assert await there.stop(*owner) is False  # Stop cannot reach the other replica without Redis
        seen += await read_all(remote)
        mine = await read_all(local)
    reply = await stored(database, owner, started.message_id)
    assert reply.status == "complete"
    assert "".join(u.text for u in seen) == reply.content == "".join(u.text for u in mine)
    assert seen[-1].done.status == "complete"


async def test_a_replica_started_while_redis_is_down_answers_and_hears_stop_once_it_is_back(
    make_runner: MakeRunner, llm: ScriptedLLM, database, owner
):
    llm.set_script([slow_text(50, delay=0.02), slow_text(400, delay=0.02)])
    port = free_port()
    here = make_runner(redis_url=f"redis://127.0.0.1:{port}/0")  # configured, nothing listens yet
    started = await here.start(*owner, "Tell me a lot")
    updates = await read_all(here.follow(*owner, interval=0.1))
    assert updates[-1].done.status == "complete"
    assert (await stored(database, owner, started.message_id)).status == "complete"
    with own_redis(port=port) as redis:  # Redis comes to life at that address
        await asyncio.sleep(2.5)  # the Stop listener tries again every second
        again = await here.start(*owner, "Once more")
        await asyncio.sleep(0.3)
        assert await make_runner(redis_url=redis.url).stop(*owner) is True  # asked on another replica
    assert (await stored(database, owner, again.message_id)).status == "cancelled"
