"""OpenID Connect sign-in, beyond `test_oidc_flow`: a wrong nonce is refused for being wrong, and an issuer that
was down is used again once it is back."""

from __future__ import annotations

import logging

import httpx
import pytest

from data360_chat.auth.service import AuthService
from tests.auth.conftest import web_client
from tests.auth.test_oidc_flow import callback_path, provider_approves, start_sign_in
from tests.support.oidc_provider import OpenIdProvider


async def sign_in_through(http: httpx.AsyncClient, username: str) -> httpx.Response:
    """The whole flow for one person in one browser; returns the app's answer to the callback."""
    callback = await provider_approves(await start_sign_in(http), username)
    return await http.get(callback_path(callback))


async def test_an_id_token_with_another_nonce_is_refused_for_its_nonce(
    oidc_service: AuthService, idp: OpenIdProvider, caplog: pytest.LogCaptureFixture
):
    idp.add_user("ada", email="ada@example.org")
    idp.id_token_overrides = {"nonce": "a-nonce-from-another-sign-in"}
    async with web_client(oidc_service) as http:
        with caplog.at_level(logging.INFO, logger="data360_chat.auth.oidc"):
            response = await sign_in_through(http, "ada")
        assert response.status_code == 400 and "Sign-in did not complete" in response.text
        assert "nonce" in caplog.text
        assert "d360_session" not in response.cookies
        assert (await http.get("/api/v1/me")).status_code == 401


async def test_an_issuer_that_is_down_then_back_is_used_again(oidc_service: AuthService, idp: OpenIdProvider):
    idp.add_user("ada", email="ada@example.org")
    idp.stop()
    async with web_client(oidc_service) as http:
        down = await http.get("/auth/oidc/login", params={"next": "/account"})
        assert down.status_code == 503 and down.headers["content-type"].startswith("text/html")
        assert "not answering right now" in down.text
        assert 'href="/auth/oidc/login?next=%2Faccount"' in down.text  # "Try again" keeps where the person was going
        idp.start()
        assert (await sign_in_through(http, "ada")).status_code == 303
        assert (await http.get("/api/v1/me")).json()["email"] == "ada@example.org"
