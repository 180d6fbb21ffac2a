"""The repository layer against a real PostgreSQL: behaviour, ownership and text round-trips."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

import pytest

from data360_chat.db.models import utcnow
from data360_chat.repositories import NotFound, charts, chats, feedback, messages, tool_calls, users
from data360_chat.repositories.messages import ChatBusy

UNICODE_SAMPLES = [
    "Population 📈 of Kenya 🇰🇪",
    "مرحبا بالعالم — السكان في مصر",  # right-to-left
    "שלום עולם",
    "Zürich · Ñandú · Ελληνικά · 中文 · 日本語 · 한국어",
    "tab\there\nnew line and combining e\u0301",
]


@pytest.fixture
async def two_users(database):
    async with database.session() as s:
        alice = await users.create_user(s, "alice@example.org")
        bob = await users.create_user(s, "Bob@Example.org")
    return alice.id, bob.id


async def test_chat_lifecycle_and_newest_first(database, two_users):
    alice, _ = two_users
    async with database.session() as s:
        first = await chats.create_chat(s, alice, "First")
        second = await chats.create_chat(s, alice, "Second")
    async with database.session() as s:
        await messages.add_user_message(s, alice, first.id, "bump the first chat")
    async with database.session() as s:
        listed = await chats.list_chats(s, alice)
        assert [c.id for c in listed] == [first.id, second.id]
        await chats.rename_chat(s, alice, second.id, "  Renamed   chat ")
    async with database.session() as s:
        assert (await chats.get_chat(s, alice, second.id)).title == "Renamed chat"
        await chats.delete_chat(s, alice, first.id)
    async with database.session() as s:
        assert await chats.get_chat(s, alice, first.id) is None
        assert await messages.list_messages(s, alice, first.id) == []


async def test_keyset_pagination_visits_every_chat_once(database, two_users):
    alice, _ = two_users
    async with database.session() as s:
        created = [await chats.create_chat(s, alice, f"chat {i}") for i in range(23)]
    seen: list[uuid.UUID] = []
    before = None
    async with database.session() as s:
        while True:
            page = await chats.list_chats(s, alice, limit=5, before=before)
            if not page:
                break
            seen += [c.id for c in page]
            before = (page[-1].updated_at, page[-1].id)
    assert sorted(seen) == sorted(c.id for c in created)
    assert len(seen) == len(set(seen))


async def test_search_matches_titles_and_message_text_case_insensitively(database, two_users):
    alice, bob = two_users
    async with database.session() as s:
        kenya = await chats.create_chat(s, alice, "Kenya population")
        co2 = await chats.create_chat(s, alice, "Emissions")
        await messages.add_user_message(s, alice, co2.id, "Compare CO2 per capita of China and India")
        bobs = await chats.create_chat(s, bob, "Kenya for Bob")
        await chats.create_chat(s, alice, "100% literal_match")
    async with database.session() as s:
        assert [c.id for c in await chats.search_chats(s, alice, "KENYA")] == [kenya.id]
        assert [c.id for c in await chats.search_chats(s, alice, "co2 per")] == [co2.id]
        assert [c.id for c in await chats.search_chats(s, bob, "kenya")] == [bobs.id]
        assert len(await chats.search_chats(s, alice, "0% l")) == 1
        assert await chats.search_chats(s, alice, "%") != []  # a literal percent sign, not a wildcard
        assert await chats.search_chats(s, alice, "_x_") == []


@pytest.mark.parametrize("text", UNICODE_SAMPLES)
async def test_unicode_round_trips(database, two_users, text):
    alice, _ = two_users
    async with database.session() as s:
        chat = await chats.create_chat(s, alice, text)
        message = await messages.add_user_message(s, alice, chat.id, text)
    async with database.session() as s:
        assert (await chats.get_chat(s, alice, chat.id)).title == " ".join(text.split())
        assert (await messages.get_message(s, alice, message.id)).content == text


async def test_nul_bytes_and_lone_surrogates_are_stripped_not_fatal(database, two_users):
    alice, _ = two_users
    async with database.session() as s:
        chat = await chats.create_chat(s, alice, "bad\x00title")
        message = await messages.add_user_message(s, alice, chat.id, "a\x00b\ud800c")
    async with database.session() as s:
        assert (await chats.get_chat(s, alice, chat.id)).title == "badtitle"
        assert (await messages.get_message(s, alice, message.id)).content == "ab?c"


async def test_answer_streaming_lifecycle_and_one_answer_per_chat(database, two_users):
    alice, _ = two_users
    async with database.session() as s:
        chat = await chats.create_chat(s, alice, "Busy")
        question = await messages.add_user_message(s, alice, chat.id, "Question?")
        answer = await messages.start_answer(s, alice, chat.id, model="offline")
    async with database.session() as s:
        with pytest.raises(ChatBusy):
            await messages.start_answer(s, alice, chat.id, model="offline")
        # the session is still usable after the refusal
        await messages.update_message(s, alice, answer.id, content="partial")
    async with database.session() as s:
        await messages.update_message(
            s, alice, answer.id, status="complete", prompt_tokens=12, completion_tokens=34, latency_ms=567
        )
        second = await messages.start_answer(s, alice, chat.id, model="offline")
        assert second.id > answer.id
    async with database.session() as s:
        ordered = await messages.list_messages(s, alice, chat.id)
        assert [m.id for m in ordered] == [question.id, answer.id, second.id]
        assert [m.id for m in await messages.list_messages(s, alice, chat.id, last=2)] == [answer.id, second.id]
        assert await messages.delete_messages_from(s, alice, chat.id, answer.id) == 2
        assert [m.id for m in await messages.list_messages(s, alice, chat.id)] == [question.id]


async def test_concurrent_answers_in_one_chat_start_only_one(database, two_users):
    alice, _ = two_users
    async with database.session() as s:
        chat = await chats.create_chat(s, alice, "Race")

    async def start() -> str:
        async with database.session() as s:
            try:
                await messages.start_answer(s, alice, chat.id, model="offline")
            except ChatBusy:
                return "busy"
            await asyncio.sleep(0.1)  # hold the transaction open while the other one tries
            return "started"

    assert sorted(await asyncio.gather(start(), start(), start())) == ["busy", "busy", "started"]


async def test_stale_streaming_answers_are_marked_interrupted(database, two_users):
    alice, _ = two_users
    async with database.session() as s:
        chat = await chats.create_chat(s, alice, "Crash")
        answer = await messages.start_answer(s, alice, chat.id, model="offline")
        await messages.update_message(s, alice, answer.id, content="half an ans")
    async with database.session() as s:
        assert await messages.interrupt_stale_answers(s, not_updated_since=utcnow() - timedelta(minutes=1)) == 0
        assert await messages.interrupt_stale_answers(s, not_updated_since=utcnow() + timedelta(seconds=1)) == 1
    async with database.session() as s:
        stored = await messages.get_message(s, alice, answer.id)
        assert (stored.status, stored.content) == ("error", "half an ans")
        assert "stopped" in stored.error
    async with database.session() as s:
        later = await messages.start_answer(s, alice, chat.id, model="offline")
        await messages.update_message(s, alice, later.id, content="saved")
    async with database.session() as s:
        since = utcnow() + timedelta(seconds=1)
        assert await messages.stale_answers(s, not_updated_since=since) == [(later.id, chat.id, "saved")]
        texts = {later.id: "saved, and heard after"}
        assert await messages.interrupt_stale_answers(s, not_updated_since=since, texts=texts) == 1
    async with database.session() as s:
        stored = await messages.get_message(s, alice, later.id)
        assert (stored.status, stored.content) == ("error", "saved, and heard after")


async def test_tool_calls_charts_and_feedback(database, two_users):
    alice, _ = two_users
    async with database.session() as s:
        chat = await chats.create_chat(s, alice, "Data")
        answer = await messages.start_answer(s, alice, chat.id, model="offline")
        call = await tool_calls.add_tool_call(
            s, alice, answer.id, tool_name="data360_get_data", arguments={"indicator_id": "WB_WDI_SP_POP_TOTL"}
        )
        await tool_calls.finish_tool_call(s, alice, call.id, ok=True, result="x" * 50_000, duration_ms=12)
        chart = await charts.add_chart(
            s,
            alice,
            answer.id,
            title="Population",
            figure={"data": [{"type": "scatter", "x": [2000], "y": [1.5]}]},
            data=[{"country": "KEN", "year": 2000, "value": 1.5}],
            source={"indicator": "WB_WDI_SP_POP_TOTL"},
        )
        await feedback.set_feedback(s, alice, answer.id, rating=1, comment="useful")
        await feedback.set_feedback(s, alice, answer.id, rating=-1, comment="changed my mind")
    async with database.session() as s:
        [stored_call] = await tool_calls.list_tool_calls(s, alice, [answer.id])
        assert stored_call.status == "ok" and stored_call.duration_ms == 12
        assert len(stored_call.result) < 21_000 and stored_call.result.endswith("characters not stored]")
        assert (await charts.get_chart(s, alice, chart.id)).data == [{"country": "KEN", "year": 2000, "value": 1.5}]
        assert [c.id for c in await charts.list_charts(s, alice, [answer.id])] == [chart.id]
        stored = (await feedback.get_feedback(s, alice, [answer.id]))[answer.id]
        assert (stored.rating, stored.comment) == (-1, "changed my mind")
        with pytest.raises(ValueError):
            await feedback.set_feedback(s, alice, answer.id, rating=5)


async def test_feedback_only_on_answers(database, two_users):
    alice, _ = two_users
    async with database.session() as s:
        chat = await chats.create_chat(s, alice, "Q")
        question = await messages.add_user_message(s, alice, chat.id, "question")
    async with database.session() as s:
        with pytest.raises(NotFound):
            await feedback.set_feedback(s, alice, question.id, rating=1)


async def test_another_users_rows_look_missing_everywhere(database, two_users):
    alice, bob = two_users
    async with database.session() as s:
        chat = await chats.create_chat(s, alice, "Alice's private chat")
        question = await messages.add_user_message(s, alice, chat.id, "secret question")
        answer = await messages.start_answer(s, alice, chat.id, model="offline")
        call = await tool_calls.add_tool_call(s, alice, answer.id, tool_name="t", arguments={})
        chart = await charts.add_chart(s, alice, answer.id, title="c", figure={}, data=[])
    async with database.session() as s:
        assert await chats.get_chat(s, bob, chat.id) is None
        assert await chats.list_chats(s, bob) == []
        assert await chats.search_chats(s, bob, "secret") == []
        assert await messages.list_messages(s, bob, chat.id) == []
        assert await messages.get_message(s, bob, question.id) is None
        assert await tool_calls.list_tool_calls(s, bob, [answer.id]) == []
        assert await charts.list_charts(s, bob, [answer.id]) == []
        assert await charts.get_chart(s, bob, chart.id) is None
        assert await feedback.get_feedback(s, bob, [answer.id]) == {}
        assert await messages.delete_messages_from(s, bob, chat.id, question.id) == 0
    refused = [
        lambda s: chats.rename_chat(s, bob, chat.id, "mine now"),
        lambda s: chats.touch_chat(s, bob, chat.id),
        lambda s: chats.delete_chat(s, bob, chat.id),
        lambda s: messages.add_user_message(s, bob, chat.id, "injected"),
        lambda s: messages.start_answer(s, bob, chat.id, model="offline"),
        lambda s: messages.update_message(s, bob, answer.id, content="overwritten"),
        lambda s: tool_calls.add_tool_call(s, bob, answer.id, tool_name="t", arguments={}),
        lambda s: tool_calls.finish_tool_call(s, bob, call.id, ok=False, result="x"),
        lambda s: charts.add_chart(s, bob, answer.id, title="c", figure={}, data=[]),
        lambda s: feedback.set_feedback(s, bob, answer.id, rating=1),
    ]
    for attempt in refused:
        with pytest.raises(NotFound):
            async with database.session() as s:
                await attempt(s)
    async with database.session() as s:
        assert (await chats.get_chat(s, alice, chat.id)).title == "Alice's private chat"
        assert [m.content for m in await messages.list_messages(s, alice, chat.id)] == ["secret question", ""]
        assert await feedback.get_feedback(s, alice, [answer.id]) == {}


async def test_users_are_found_by_email_case_insensitively(database, two_users):
    _, bob = two_users
    async with database.session() as s:
        assert (await users.get_user_by_email(s, "  BOB@example.ORG ")).id == bob
        assert await users.count_users(s) == 2
