"""Fixtures for the accounts tests: the sign-in service and the HTTP routes over a fresh database."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis.asyncio as aioredis
from playwright.sync_api import Browser, Page

from data360_chat.auth.service import AuthService
from data360_chat.db.engine import Database
from data360_chat.settings import Settings
from data360_chat.web.app import build_web_app
from tests.support.browser import chromium
from tests.support.oidc_provider import CLIENT_ID, CLIENT_SECRET, OpenIdProvider

BASE_URL = "http://chat.test"
CLIENT_IP = "203.0.113.7"
PASSWORD = "correct horse battery"


def make_settings(data_dir: Path, **overrides: Any) -> Settings:
    """Settings for a test: nothing read from the environment or `.env` except what is given."""
    return Settings(_env_file=None, data_dir=data_dir, secret_key="test-secret-key", **overrides)


@pytest.fixture
def make_service(database: Database, tmp_path: Path) -> Iterator[Callable[..., AuthService]]:
    """Build a sign-in service over this test's database with settings overridden."""
    clients: list[aioredis.Redis] = []

    def build(*, redis_url: str | None = None, **overrides: Any) -> AuthService:
        client = aioredis.Redis.from_url(redis_url) if redis_url else None
        if client is not None:
            clients.append(client)
        return AuthService(make_settings(tmp_path, database_url=database.url, **overrides), database, client)

    yield build


@pytest.fixture
def service(make_service: Callable[..., AuthService]) -> AuthService:
    """A sign-in service with default settings (local accounts, sign-up open)."""
    return make_service()


def web_client(service: AuthService, base_url: str = BASE_URL, *, ip: str = CLIENT_IP) -> httpx.AsyncClient:
    """An HTTP client for the app's routes (the Starlette app in front of Reflex), sending our own Origin."""
    app = build_web_app(lambda: service)
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app, client=(ip, 50000)),
        base_url=base_url,
        headers={"Origin": base_url},
    )


@pytest.fixture
async def client(service: AuthService) -> AsyncIterator[httpx.AsyncClient]:
    """HTTP client over the default service."""
    async with web_client(service) as http:
        yield http


@pytest.fixture
def idp() -> Iterator[OpenIdProvider]:
    """A running OpenID provider with the app registered as a client."""
    with OpenIdProvider() as provider:
        provider.allow_redirect_uri(f"{BASE_URL}/auth/oidc/callback")
        yield provider


@pytest.fixture
def oidc_service(make_service: Callable[..., AuthService], idp: OpenIdProvider) -> AuthService:
    """A service in OIDC mode against the test provider."""
    return make_service(
        auth_mode="oidc",
        oidc_discovery_url=idp.discovery_url,
        oidc_client_id=CLIENT_ID,
        oidc_client_secret=CLIENT_SECRET,
        oidc_admin_values=["d360-admins"],
        jwt_audience="d360-api",
    )


async def sign_up(http: httpx.AsyncClient, email: str, password: str = PASSWORD, **fields: str) -> httpx.Response:
    """Post the sign-up form."""
    return await http.post("/auth/sign-up", data={"email": email, "password": password, **fields})


async def sign_in(http: httpx.AsyncClient, email: str, password: str = PASSWORD, **fields: str) -> httpx.Response:
    """Post the sign-in form."""
    return await http.post("/auth/sign-in", data={"email": email, "password": password, **fields})


def session_token(response: httpx.Response, name: str = "d360_session") -> str:
    """The session token a sign-in response handed out (fails if there is none)."""
    token = response.cookies.get(name)
    assert token, (response.status_code, response.headers.get("location"))
    return token


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Chromium for one module's browser tests."""
    with chromium() as launched:
        yield launched


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh browser profile (no cookies) with one page."""
    context = browser.new_context(viewport={"width": 1280, "height": 860})
    yield context.new_page()
    context.close()
