"""Two users and the JSON API: every route that reaches a chat by id refuses the other user's exactly like a
missing one, whether the caller signs in with a session cookie or an API key."""

from __future__ import annotations

import io
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from csv import DictReader
from dataclasses import dataclass

import httpx
import pytest

from data360_chat.auth import api_keys
from data360_chat.auth.service import AuthService
from data360_chat.db.models import User
from data360_chat.repositories import charts, chats, feedback, messages
from data360_chat.repositories.users import get_user_by_email
from tests.auth.conftest import sign_up, web_client

CHART_ROWS = [{"country": "Kenya", "year": 2020, "value": 53.77}, {"country": "Kenya", "year": 2021, "value": 54.99}]


@dataclass(frozen=True)
class AliceChat:
    """Alice's chat with a question, an answer and a chart."""

    chat_id: uuid.UUID
    question_id: int
    answer_id: int
    chart_id: int


@pytest.fixture
async def alice_chat(service: AuthService) -> AliceChat:
    async with web_client(service) as http:
        assert (await sign_up(http, "alice@example.org")).status_code == 303
    async with service.database.session() as session:
        alice = (await _user(service, "alice@example.org")).id
        chat = await chats.create_chat(session, alice, "Alice's private chat")
        question = await messages.add_user_message(session, alice, chat.id, "Population of Kenya?")
        answer = await messages.start_answer(session, alice, chat.id, model="offline")
        await messages.update_message(session, alice, answer.id, content="About 54 million.", status="complete")
        chart = await charts.add_chart(session, alice, answer.id, title="Kenya", figure={}, data=CHART_ROWS)
    return AliceChat(chat.id, question.id, answer.id, chart.id)


async def _user(service: AuthService, email: str) -> User:
    async with service.database.session() as session:
        return await get_user_by_email(session, email)


@asynccontextmanager
async def signed_in_client(service: AuthService, email: str, how: str) -> AsyncIterator[httpx.AsyncClient]:
    """A client signed in as a new account `email`, by session cookie or by API key."""
    async with web_client(service) as http:
        assert (await sign_up(http, email)).status_code == 303
        if how == "api_key":
            user = await _user(service, email)
            key = await api_keys.create_api_key(service.database, user.id, "script")
            http.cookies.clear()
            http.headers["Authorization"] = f"Bearer {key.secret}"
        yield http


def attempts(target: AliceChat) -> list[tuple[str, str, dict]]:
    """Every API request that names Alice's chat, message or chart."""
    return [
        ("GET", f"/api/v1/chats/{target.chat_id}", {}),
        ("PATCH", f"/api/v1/chats/{target.chat_id}", {"json": {"title": "mine now"}}),
        ("DELETE", f"/api/v1/chats/{target.chat_id}", {}),
        ("GET", f"/api/v1/chats/{target.chat_id}/messages", {}),
        ("GET", f"/api/v1/charts/{target.chart_id}.csv", {}),
        ("PUT", f"/api/v1/messages/{target.answer_id}/feedback", {"json": {"rating": -1}}),
    ]


def missing(target: AliceChat) -> AliceChat:
    """Ids that exist for nobody."""
    return AliceChat(uuid.uuid4(), target.question_id + 10_000, target.answer_id + 10_000, target.chart_id + 10_000)


def shape(response: httpx.Response) -> tuple:
    """What a client can observe of a refusal (everything but the date)."""
    headers = {k: v for k, v in response.headers.items() if k not in ("date", "server")}
    return response.status_code, response.content, headers


@pytest.mark.parametrize("how", ["cookie", "api_key"])
async def test_another_users_chat_looks_exactly_like_a_missing_one(service: AuthService, alice_chat: AliceChat, how):
    async with signed_in_client(service, "bob@example.org", how) as bob:
        assert (await bob.get("/api/v1/me")).json()["email"] == "bob@example.org"
        for (method, path, kwargs), (_, nowhere, _) in zip(
            attempts(alice_chat), attempts(missing(alice_chat)), strict=True
        ):
            refused = await bob.request(method, path, **kwargs)
            absent = await bob.request(method, nowhere, **kwargs)
            assert refused.status_code == 404, (method, path, refused.text)
            assert shape(refused) == shape(absent), (method, path)
        listing = await bob.get("/api/v1/chats", params={"q": "Kenya"})
        assert listing.json()["chats"] == []
        assert (await bob.get("/api/v1/chats")).json()["chats"] == []

    alice_id = (await _user(service, "alice@example.org")).id
    async with service.database.session() as session:
        chat = await chats.get_chat(session, alice_id, alice_chat.chat_id)
        assert chat is not None and chat.title == "Alice's private chat"
        assert [m.content for m in await messages.list_messages(session, alice_id, alice_chat.chat_id)] == [
            "Population of Kenya?",
            "About 54 million.",
        ]
        assert await feedback.get_feedback(session, alice_id, [alice_chat.answer_id]) == {}


async def test_the_owner_reaches_every_route(service: AuthService, alice_chat: AliceChat):
    async with web_client(service) as alice:
        signed_in = await alice.post(
            "/auth/sign-in", data={"email": "alice@example.org", "password": "correct horse battery"}
        )
        assert signed_in.status_code == 303 and signed_in.headers["location"] == "/"
        chat = await alice.get(f"/api/v1/chats/{alice_chat.chat_id}")
        assert chat.status_code == 200 and chat.json()["title"] == "Alice's private chat"
        history = (await alice.get(f"/api/v1/chats/{alice_chat.chat_id}/messages")).json()["messages"]
        assert [m["content"] for m in history] == ["Population of Kenya?", "About 54 million."]
        assert history[1]["charts"][0]["csv_url"] == f"/api/v1/charts/{alice_chat.chart_id}.csv"
        csv = await alice.get(f"/api/v1/charts/{alice_chat.chart_id}.csv")
        assert csv.status_code == 200
        rows = list(DictReader(io.StringIO(csv.text)))
        assert rows == [{key: str(value) for key, value in row.items()} for row in CHART_ROWS]
        rated = await alice.put(f"/api/v1/messages/{alice_chat.answer_id}/feedback", json={"rating": 1})
        assert rated.status_code == 204
        question_rated = await alice.put(f"/api/v1/messages/{alice_chat.question_id}/feedback", json={"rating": 1})
        assert question_rated.status_code == 404
        renamed = await alice.patch(f"/api/v1/chats/{alice_chat.chat_id}", json={"title": "Kenya"})
        assert renamed.json()["title"] == "Kenya"
        assert (await alice.delete(f"/api/v1/chats/{alice_chat.chat_id}")).status_code == 204
        assert (await alice.get(f"/api/v1/chats/{alice_chat.chat_id}")).status_code == 404
    alice_id = (await _user(service, "alice@example.org")).id
    async with service.database.session() as session:
        assert await chats.get_chat(session, alice_id, alice_chat.chat_id) is None


async def test_cookie_changes_from_another_site_are_refused(service: AuthService, alice_chat: AliceChat):
    async with web_client(service) as alice:
        await alice.post("/auth/sign-in", data={"email": "alice@example.org", "password": "correct horse battery"})
        response = await alice.delete(f"/api/v1/chats/{alice_chat.chat_id}", headers={"Origin": "https://evil.example"})
        assert response.status_code == 403
        assert (await alice.get(f"/api/v1/chats/{alice_chat.chat_id}")).status_code == 200


async def test_no_credentials_means_401(service: AuthService, alice_chat: AliceChat):
    async with web_client(service) as anonymous:
        for method, path, kwargs in attempts(alice_chat):
            response = await anonymous.request(method, path, **kwargs)
            assert response.status_code == 401, (method, path)
            assert response.headers["www-authenticate"].startswith("Bearer")
