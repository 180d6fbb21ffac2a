"""Uploads in a real PostgreSQL: stored with their points, attached to chats, deleted; each only ever its owner's."""

from __future__ import annotations

import uuid

import pytest

from data360_chat.repositories import NotFound, chats, users
from data360_chat.repositories.uploads import (
    add_upload,
    attach_uploads,
    chat_uploads,
    delete_upload,
    get_upload,
    list_uploads,
    waiting_uploads,
)

SUMMARY = {"encoding": "utf-8", "delimiter": ",", "rows": 2, "columns": [], "series": [], "preview": []}
POINTS = [["s1", "KEN", "Kenya", 2020, 1.5], ["s1", "KEN", "Kenya", 2021, 2.5]]


@pytest.fixture
async def people(database):
    async with database.session() as s:
        alice = await users.create_user(s, f"alice-{uuid.uuid4().hex[:6]}@example.org")
        bob = await users.create_user(s, f"bob-{uuid.uuid4().hex[:6]}@example.org")
        chat = await chats.create_chat(s, alice.id, "Alice's chat")
        bobs_chat = await chats.create_chat(s, bob.id, "Bob's chat")
    return alice.id, bob.id, chat.id, bobs_chat.id


async def test_an_upload_is_stored_with_its_points_and_found_only_by_its_owner(database, people):
    alice, bob, _, _ = people
    async with database.session() as s:
        upload = await add_upload(s, alice, filename="clinics\x00.csv", summary=SUMMARY, points=POINTS)
    async with database.session() as s:
        mine = await get_upload(s, alice, upload.id)
        assert mine is not None and mine.filename == "clinics.csv" and mine.points == POINTS
        assert mine.summary == SUMMARY and mine.chat_id is None
        assert await get_upload(s, bob, upload.id) is None
        assert [u.id for u in await list_uploads(s, alice, [upload.id])] == [upload.id]
        assert await list_uploads(s, bob, [upload.id]) == []


async def test_uploads_attach_to_their_owners_chat_only(database, people):
    alice, bob, chat, bobs_chat = people
    async with database.session() as s:
        first = await add_upload(s, alice, filename="a.csv", summary=SUMMARY, points=POINTS)
        second = await add_upload(s, alice, filename="b.csv", summary=SUMMARY, points=POINTS)
        bobs = await add_upload(s, bob, filename="bob.csv", summary=SUMMARY, points=POINTS)
    async with database.session() as s:
        assert [u.filename for u in await waiting_uploads(s, alice)] == ["a.csv", "b.csv"]
        assert [u.filename for u in await waiting_uploads(s, bob)] == ["bob.csv"]
        assert await attach_uploads(s, bob, [first.id], bobs_chat) == 0, "not Bob's upload"
        assert await attach_uploads(s, alice, [first.id, bobs.id], bobs_chat) == 0, "not Alice's chat"
        assert await attach_uploads(s, alice, [first.id, second.id, bobs.id], chat) == 2
    async with database.session() as s:
        attached = await chat_uploads(s, alice, chat)
        assert [u.filename for u in attached] == ["a.csv", "b.csv"]
        assert await chat_uploads(s, bob, chat) == []
        assert await chat_uploads(s, alice, bobs_chat) == []
        with_points = await chat_uploads(s, alice, chat, with_points=True)
        assert with_points[0].points == POINTS
        assert await waiting_uploads(s, alice) == [], "attached uploads wait no more"


async def test_an_upload_cannot_be_put_in_someone_elses_chat(database, people):
    alice, _, _, bobs_chat = people
    async with database.session() as s:
        with pytest.raises(NotFound):
            await add_upload(s, alice, filename="a.csv", summary=SUMMARY, points=POINTS, chat_id=bobs_chat)


async def test_only_the_owner_deletes_an_upload_and_a_deleted_chat_takes_its_uploads(database, people):
    alice, bob, chat, _ = people
    async with database.session() as s:
        loose = await add_upload(s, alice, filename="loose.csv", summary=SUMMARY, points=POINTS)
        inside = await add_upload(s, alice, filename="in.csv", summary=SUMMARY, points=POINTS, chat_id=chat)
    async with database.session() as s:
        with pytest.raises(NotFound):
            await delete_upload(s, bob, loose.id)
    async with database.session() as s:
        assert await get_upload(s, alice, loose.id) is not None
        await delete_upload(s, alice, loose.id)
        await chats.delete_chat(s, alice, chat)
    async with database.session() as s:
        assert await get_upload(s, alice, loose.id) is None
        assert await get_upload(s, alice, inside.id) is None
        with pytest.raises(NotFound):
            await delete_upload(s, alice, loose.id)
