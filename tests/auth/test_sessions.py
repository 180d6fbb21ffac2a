"""Server-side sessions in PostgreSQL and in Redis: tampered and expired tokens refused, sign-out everywhere."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator, Callable
from datetime import timedelta

import pytest
import redis.asyncio as aioredis

from data360_chat.auth.service import AuthService
from data360_chat.auth.sessions import DatabaseSessions, RedisSessions, SessionPolicy, SessionStore
from data360_chat.db.engine import Database
from data360_chat.repositories.users import create_user
from tests.auth.conftest import BASE_URL, sign_up, web_client

LONG = timedelta(hours=1)


@pytest.fixture(params=["database", "redis"])
async def make_store(
    request: pytest.FixtureRequest, database: Database
) -> AsyncIterator[Callable[[SessionPolicy], SessionStore]]:
    """Session stores of one kind (PostgreSQL or the real Redis) with a given policy."""
    clients: list[aioredis.Redis] = []

    def build(policy: SessionPolicy) -> SessionStore:
        if request.param == "database":
            return DatabaseSessions(database, policy)
        client = aioredis.Redis.from_url(request.getfixturevalue("redis_url"))
        clients.append(client)
        return RedisSessions(client, policy)

    yield build
    for client in clients:
        await client.aclose()


@pytest.fixture
async def user_ids(database: Database) -> list:
    async with database.session() as session:
        return [(await create_user(session, f"{name}-{secrets.token_hex(3)}@example.org")).id for name in "ab"]


def tampered(token: str) -> list[str]:
    """Variations of a token that must resolve to nobody."""
    flipped = token[:-1] + ("A" if token[-1] != "A" else "B")
    return [flipped, token[:-1], token + "x", token.upper(), " " + token, "", "x" * 43]


async def test_a_session_resolves_only_with_its_exact_token(make_store, user_ids):
    store = make_store(SessionPolicy(idle=LONG, absolute=LONG))
    token = await store.create(user_ids[0], user_agent="test", ip="127.0.0.1")
    assert await store.user_id_for(token) == user_ids[0]
    for variant in tampered(token):
        assert await store.user_id_for(variant) is None, variant
    assert await store.user_id_for(token) == user_ids[0]


async def test_idle_sessions_end(make_store, user_ids):
    store = make_store(SessionPolicy(idle=timedelta(seconds=1), absolute=LONG))
    token = await store.create(user_ids[0])
    assert await store.user_id_for(token) == user_ids[0]
    await asyncio.sleep(1.3)
    assert await store.user_id_for(token) is None


async def test_sessions_end_after_the_absolute_limit_even_when_used(make_store, user_ids):
    store = make_store(SessionPolicy(idle=LONG, absolute=timedelta(seconds=1.5)))
    token = await store.create(user_ids[0])
    for _ in range(3):
        assert await store.user_id_for(token) == user_ids[0]
        await asyncio.sleep(0.3)
    await asyncio.sleep(1.0)
    assert await store.user_id_for(token) is None


async def test_ending_sessions(make_store, user_ids):
    store = make_store(SessionPolicy(idle=LONG, absolute=LONG))
    alice, bob = user_ids
    here, laptop, phone = [await store.create(alice) for _ in range(3)]
    bobs = await store.create(bob)
    await store.end(phone)
    assert await store.user_id_for(phone) is None
    assert await store.end_all(alice, keep_token=here) == 1
    assert await store.user_id_for(laptop) is None
    assert await store.user_id_for(here) == alice
    assert await store.end_all(alice) == 1
    assert await store.user_id_for(here) is None
    assert await store.user_id_for(bobs) == bob


async def test_redis_keeps_only_token_hashes(redis_url, user_ids):
    client = aioredis.Redis.from_url(redis_url)
    try:
        store = RedisSessions(client, SessionPolicy(idle=LONG, absolute=LONG))
        token = await store.create(user_ids[0])
        keys = [key.decode() async for key in client.scan_iter(f"{RedisSessions.PREFIX}*")]
        assert keys and not any(token in key for key in keys)
        for key in keys:
            assert token not in (await client.get(key) or b"").decode()
        await store.end(token)
    finally:
        await client.aclose()


@pytest.mark.parametrize("sessions_in", ["database", "redis"])
async def test_sign_out_here_and_everywhere_over_http(make_service: Callable[..., AuthService], request, sessions_in):
    redis_url = request.getfixturevalue("redis_url") if sessions_in == "redis" else None
    service = make_service(redis_url=redis_url)
    email = f"ada-{secrets.token_hex(3)}@example.org"
    async with web_client(service) as laptop, web_client(service) as phone, web_client(service) as tablet:
        assert (await sign_up(laptop, email)).status_code == 303
        for device in (phone, tablet):
            signed_in = await device.post("/auth/sign-in", data={"email": email, "password": "correct horse battery"})
            assert signed_in.status_code == 303
        assert all([(await d.get("/api/v1/me")).status_code == 200 for d in (laptop, phone, tablet)])

        signed_out = await tablet.post("/auth/sign-out")
        assert signed_out.headers["location"] == "/sign-in?notice=signed_out"
        assert 'd360_session=""' in signed_out.headers["set-cookie"] or "Max-Age=0" in signed_out.headers["set-cookie"]
        assert (await tablet.get("/api/v1/me")).status_code == 401
        assert (await phone.get("/api/v1/me")).status_code == 200

        cookie = laptop.cookies.get("d360_session")
        await phone.post("/auth/sign-out", data={"scope": "all"})
        assert (await phone.get("/api/v1/me")).status_code == 401
        assert (await laptop.get("/api/v1/me")).status_code == 401
        async with web_client(service) as thief:
            thief.cookies.set("d360_session", cookie)
            assert (await thief.get("/api/v1/me")).status_code == 401


async def test_sign_out_from_another_site_is_ignored(service: AuthService):
    async with web_client(service) as http:
        await sign_up(http, "ada@example.org")
        refused = await http.post("/auth/sign-out", headers={"Origin": "https://evil.example"})
        assert refused.status_code == 403
        assert (await http.get("/api/v1/me")).status_code == 200


async def test_the_session_cookie_is_httponly_and_lax(service: AuthService):
    async with web_client(service) as http:
        response = await sign_up(http, "ada@example.org")
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie
    assert "Secure" not in cookie  # plain http in this test


async def test_the_cookie_is_secure_and_scoped_when_served_over_https(make_service):
    service = make_service(public_url="https://chat.example.org", session_cookie_domain="chat.example.org")
    async with web_client(service, "https://chat.example.org") as http:
        response = await sign_up(http, "ada@example.org")
    cookie = response.headers["set-cookie"]
    assert "Secure" in cookie and "Domain=chat.example.org" in cookie
    assert BASE_URL not in cookie
