"""Answers as background tasks in one process: followed, resumed, coalesced, stopped, one at a time per chat."""

from __future__ import annotations

import asyncio
import itertools
import uuid

import pytest

from data360_chat.assistant import events as ev
from data360_chat.db.engine import Database
from data360_chat.repositories import NotFound
from data360_chat.repositories.chats import delete_chat, list_chats
from data360_chat.repositories.messages import ChatBusy, TooManyAnswers, get_message, list_messages
from data360_chat.streams import AnswerSnapshot, AnswerUpdate
from data360_chat.streams.coalesce import FULL_PACE_FOLLOWERS
from tests.streams.conftest import MakeRunner
from tests.support.scripted_llm import Reply, ScriptedLLM, Text, many_words


def slow_text(words: int = 300, delay: float = 0.02) -> Reply:
    return Reply(steps=(Text(many_words(words), per_chunk=5),), chunk_delay=delay)


async def stored(database: Database, owner: tuple[uuid.UUID, uuid.UUID], message_id: int):
    async with database.session() as session:
        return await get_message(session, owner[0], message_id)


async def until_ended(database: Database, owner, message_id: int):
    """The answer as stored once it is no longer streaming (the database is all there is to watch)."""
    async with asyncio.timeout(20):
        while (message := await stored(database, owner, message_id)).status == "streaming":  # noqa: ASYNC110
            await asyncio.sleep(0.05)
    return message


async def read_all(stream) -> list:
    return [item async for item in stream]


def text_after(items: list) -> str:
    return "".join(e.text for e in items if isinstance(e, ev.TextDelta))


async def test_the_answer_goes_on_when_its_follower_leaves(make_runner: MakeRunner, llm: ScriptedLLM, database, owner):
    llm.set_script([slow_text(150)])
    runner = make_runner()
    started = await runner.start(*owner, "Tell me a lot")
    stream = runner.subscribe(*owner)
    snapshot = await anext(stream)
    assert isinstance(snapshot, AnswerSnapshot) and snapshot.message_id == started.message_id
    assert await anext(stream) is not None
    await stream.aclose()  # the tab closes

    reply = await until_ended(database, owner, started.message_id)
    assert reply.status == "complete" and reply.content.split() == many_words(150).split()
    assert llm.requests[0].completed and not llm.requests[0].abandoned
    async with database.session() as session:
        question, answer = await list_messages(session, *owner)
    assert (question.id, question.content, answer.id) == (started.user_message_id, "Tell me a lot", started.message_id)


async def test_a_late_follower_gets_what_was_said_then_the_rest(
    make_runner: MakeRunner, llm: ScriptedLLM, database, owner
):
    llm.set_script([Reply(steps=(Text(many_words(200), per_chunk=5),), usage=(40, 30), chunk_delay=0.01)])
    runner = make_runner()
    started = await runner.start(*owner, "Tell me a lot")
    first = await read_all(runner.subscribe(*owner))  # follows from the start to the end
    assert isinstance(first[0], AnswerSnapshot) and isinstance(first[-1], ev.AnswerDone)
    whole = first[0].text + text_after(first[1:])
    reply = await stored(database, owner, started.message_id)
    assert reply.status == "complete" and whole == reply.content

    llm.set_script([slow_text(300)])
    again = await runner.start(*owner, "And more")
    early = runner.subscribe(*owner)
    seen = [await anext(early) for _ in range(21)]
    late = runner.subscribe(*owner)  # a reloaded tab
    snapshot = await anext(late)
    assert snapshot.message_id == again.message_id and snapshot.status == "streaming"
    assert snapshot.text.startswith(seen[0].text + text_after(seen[1:])) and len(snapshot.text) >= 20 * 5
    rest = await read_all(late)
    await early.aclose()
    assert isinstance(rest[-1], ev.AnswerDone) and rest[-1].status == "complete"
    reply = await stored(database, owner, again.message_id)
    assert snapshot.text + text_after(rest) == reply.content


async def test_follow_sends_only_new_text_about_ten_times_a_second(
    make_runner: MakeRunner, llm: ScriptedLLM, database, owner
):
    llm.set_script([slow_text(400, delay=0.005)])  # about 400 chunks in about 2 s
    runner = make_runner()
    started = await runner.start(*owner, "Tell me a lot")
    updates: list[AnswerUpdate] = await read_all(runner.follow(*owner, interval=0.1))
    reply = await stored(database, owner, started.message_id)
    assert updates[0].first and not any(u.first for u in updates[1:])
    assert "".join(u.text for u in updates) == reply.content
    assert [u.done is not None for u in updates] == [False] * (len(updates) - 1) + [True]
    assert updates[-1].done.status == "complete" and updates[-1].usage is not None
    chunks = llm.requests[0].chunks_sent
    assert 5 < len(updates) < chunks / 5, (len(updates), chunks)


async def test_updates_slow_down_when_many_tabs_follow_in_one_process(
    make_runner: MakeRunner, llm: ScriptedLLM, database, owner
):
    llm.set_script([slow_text(400, delay=0.005)])
    runner = make_runner()
    started = await runner.start(*owner, "Tell me a lot")
    tabs = 4 * FULL_PACE_FOLLOWERS

    async def gaps() -> tuple[str, list[float]]:
        loop, times, text = asyncio.get_running_loop(), [], []
        async for update in runner.follow(*owner, interval=0.05):
            times.append(loop.time())
            text.append(update.text)
        return "".join(text), [later - earlier for earlier, later in itertools.pairwise(times[1:])]

    followed = await asyncio.gather(*(gaps() for _ in range(tabs)))
    reply = await stored(database, owner, started.message_id)
    assert all(text == reply.content for text, _ in followed)
    every_gap = sorted(gap for _, tab_gaps in followed for gap in tab_gaps)
    assert every_gap[len(every_gap) // 2] >= 0.05 * 3, every_gap


async def test_two_sends_at_once_start_one_answer(make_runner: MakeRunner, llm: ScriptedLLM, database, owner):
    llm.set_script([slow_text(100)])
    runner = make_runner()
    results = await asyncio.gather(
        runner.start(*owner, "From one tab"), runner.start(*owner, "From another"), return_exceptions=True
    )
    [started] = [r for r in results if isinstance(r, ev.AnswerStarted)]
    [refused] = [r for r in results if not isinstance(r, ev.AnswerStarted)]
    assert isinstance(refused, ChatBusy)
    with pytest.raises(ChatBusy):
        await runner.start(*owner, "Once more")
    with pytest.raises(ChatBusy):
        await runner.start_regenerate(*owner)
    await until_ended(database, owner, started.message_id)
    async with database.session() as session:
        assert [m.role for m in await list_messages(session, *owner)] == ["user", "assistant"]
    assert len(llm.requests) == 1


async def test_stop_from_another_tab_keeps_the_partial_answer(
    make_runner: MakeRunner, llm: ScriptedLLM, database, owner
):
    llm.set_script([slow_text(400)])
    runner = make_runner()
    started = await runner.start(*owner, "Tell me a lot")
    follower = runner.follow(*owner, interval=0.05)
    updates = [await anext(follower), await anext(follower)]
    assert await runner.stop(*owner) is True
    updates += await read_all(follower)
    done = updates[-1].done
    assert done is not None and done.status == "cancelled" and done.message_id == started.message_id
    reply = await stored(database, owner, started.message_id)
    assert reply.status == "cancelled" and reply.content == "".join(u.text for u in updates)
    request = llm.requests[0]
    await asyncio.wait_for(request.disconnected.wait(), 2)
    assert request.abandoned
    assert await runner.stop(*owner) is False  # nothing left to stop

    llm.set_script([Reply.text("Again, in short.")])
    await runner.start_regenerate(*owner)
    assert (await read_all(runner.subscribe(*owner)))[-1].status == "complete"
    async with database.session() as session:
        assert [m.content for m in await list_messages(session, *owner)] == ["Tell me a lot", "Again, in short."]


async def test_edit_and_resend_runs_in_the_background_too(make_runner: MakeRunner, llm: ScriptedLLM, database, owner):
    llm.set_script([Reply.text("First answer."), Reply.text("Edited answer.")])
    runner = make_runner()
    first = await runner.start(*owner, "First question")
    await read_all(runner.subscribe(*owner))
    edited = await runner.start_edit(*owner, first.user_message_id, "Edited question")
    updates = await read_all(runner.follow(*owner))
    assert updates[-1].done.message_id == edited.message_id
    async with database.session() as session:
        assert [m.content for m in await list_messages(session, *owner)] == ["Edited question", "Edited answer."]


async def test_a_finished_answer_is_one_snapshot_from_the_database(
    make_runner: MakeRunner, llm: ScriptedLLM, database, owner
):
    llm.set_script([Reply.text("Short and done.", usage=(12, 4))])
    runner = make_runner()
    assert await read_all(runner.subscribe(*owner)) == []  # no answer yet
    started = await runner.start(*owner, "Hello")
    await read_all(runner.subscribe(*owner))
    [update] = await read_all(make_runner().follow(*owner))  # another process, after the end
    assert update.first and update.text == "Short and done." and update.message_id == started.message_id
    assert update.done.status == "complete" and update.usage == ev.UsageReported(12, 4)
    assert update.user_message_id == started.user_message_id


async def test_another_users_chat_looks_missing(make_runner: MakeRunner, llm: ScriptedLLM, database, owner, stranger):
    llm.set_script([slow_text(200)])
    runner = make_runner()
    await runner.start(*owner, "Mine")
    intruder = (stranger[0], owner[1])
    for attempt in (
        runner.start(*intruder, "Theirs"),
        runner.stop(*intruder),
        anext(runner.subscribe(*intruder)),
        anext(runner.follow(*intruder)),
        make_runner().stop(*intruder),  # another process, reading the database
        anext(make_runner().subscribe(*intruder)),
    ):
        with pytest.raises(NotFound):
            await attempt
    assert await runner.stop(*owner) is True


async def test_deleting_the_chat_mid_answer_ends_its_followers(
    make_runner: MakeRunner, llm: ScriptedLLM, database, owner
):
    llm.set_script([slow_text(600)])
    runner = make_runner(heartbeat_interval=0.2)
    await runner.start(*owner, "Tell me a lot")
    follower = runner.follow(*owner, interval=0)
    while not (await anext(follower)).text:
        pass
    async with database.session() as session:
        await delete_chat(session, *owner)
    rest = await asyncio.wait_for(read_all(follower), 5)  # the answer would take 20 s
    assert rest[-1].done.status == "cancelled"
    await asyncio.wait_for(llm.requests[0].disconnected.wait(), 2)  # the model stopped writing it
    with pytest.raises(NotFound):
        await runner.start(*owner, "Anyone there?")


async def test_a_person_has_at_most_the_configured_answers_running_and_a_refused_start_leaves_nothing(
    make_runner: MakeRunner, llm: ScriptedLLM, database: Database, owner
):
    llm.set_script(lambda request: slow_text(400, delay=0.05))
    runner = make_runner()
    user_id = owner[0]
    outcomes = await asyncio.gather(
        *(runner.start(user_id, None, f"Question {n}") for n in range(12)), return_exceptions=True
    )
    started = [outcome for outcome in outcomes if isinstance(outcome, ev.AnswerStarted)]
    refused = [outcome for outcome in outcomes if isinstance(outcome, TooManyAnswers)]
    assert (len(started), len(refused)) == (3, 9), outcomes
    assert "3 answers being written" in str(refused[0])
    async with database.session() as session:
        chats = await list_chats(session, user_id, limit=50)
    assert sorted(chat.id for chat in chats) == sorted([owner[1], *(s.chat_id for s in started)])  # no empty chats

    with pytest.raises(TooManyAnswers):  # also in a chat that already exists
        await runner.start(*owner, "One more")
    assert await runner.stop(user_id, started[0].chat_id)
    assert (await runner.start(*owner, "Now there is room")).chat_id == owner[1]
