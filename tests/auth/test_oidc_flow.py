"""Signing in through an OpenID Connect issuer over HTTP: code flow with PKCE, state and nonce, failures."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import httpx

from data360_chat.auth.service import AuthService
from tests.auth.conftest import web_client
from tests.support.oidc_provider import OpenIdProvider


async def start_sign_in(http: httpx.AsyncClient, next_path: str = "/") -> str:
    """Follow `/auth/oidc/login`; returns the provider's authorize URL."""
    response = await http.get("/auth/oidc/login", params={"next": next_path})
    assert response.status_code == 302, response.text
    return response.headers["location"]


async def provider_approves(authorize_url: str, username: str) -> str:
    """The person signs in at the provider; returns the callback URL it redirects to."""
    async with httpx.AsyncClient() as browser:
        page = await browser.get(authorize_url)
        assert page.status_code == 200, page.text
        response = await browser.post(authorize_url, data={"username": username})
    assert response.status_code == 302, response.text
    return response.headers["location"]


def callback_path(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


async def test_sign_in_creates_the_account_and_a_session(oidc_service: AuthService, idp: OpenIdProvider):
    idp.add_user("ada", email="Ada@Example.org", name="Ada Lovelace", roles=["d360-admins"])
    async with web_client(oidc_service) as http:
        authorize_url = await start_sign_in(http, "/account")
        query = parse_qs(urlsplit(authorize_url).query)
        assert query["code_challenge_method"] == ["S256"] and query["nonce"] and query["state"]
        callback = await provider_approves(authorize_url, "ada")
        response = await http.get(callback_path(callback))
        assert response.status_code == 303, response.text
        assert response.headers["location"] == "/account"
        me = await http.get("/api/v1/me")
    assert me.status_code == 200
    assert me.json()["email"] == "ada@example.org"
    assert me.json()["display_name"] == "Ada Lovelace"
    assert me.json()["is_admin"] is True
