"""OpenID Connect sign-in when things are not right: state and nonce mismatches, an issuer that is down, and
accounts kept up to date from the claims of each sign-in."""

from __future__ import annotations

import logging
from collections.abc import Callable
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest

from data360_chat.auth.service import AuthService
from tests.auth.conftest import web_client
from tests.auth.test_oidc_flow import callback_path, provider_approves, start_sign_in
from tests.support.oidc_provider import CLIENT_ID, CLIENT_SECRET, OpenIdProvider


def with_query(url: str, **changes: str) -> str:
    """The callback path with some query parameters replaced."""
    parts = urlsplit(url)
    query = {key: values[0] for key, values in parse_qs(parts.query).items()}
    return f"{parts.path}?{urlencode({**query, **changes})}"


async def sign_in_through(http: httpx.AsyncClient, username: str) -> httpx.Response:
    """The whole flow for one person; returns the app's answer to the callback."""
    callback = await provider_approves(await start_sign_in(http), username)
    return await http.get(callback_path(callback))


def assert_readable_page(response: httpx.Response, status: int, *phrases: str) -> None:
    """A small HTML page explaining what happened, and no session."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("text/html")
    for phrase in phrases:
        assert phrase in response.text, (phrase, response.text)
    assert "d360_session" not in response.cookies


async def test_a_callback_with_another_state_is_refused(oidc_service: AuthService, idp: OpenIdProvider):
    idp.add_user("ada", email="ada@example.org")
    async with web_client(oidc_service) as http:
        callback = await provider_approves(await start_sign_in(http), "ada")
        response = await http.get(with_query(callback, state="forged-state"))
        assert_readable_page(response, 400, "Sign-in did not complete", "expired or was already used")
        assert (await http.get("/api/v1/me")).status_code == 401


async def test_a_callback_in_a_browser_that_did_not_start_the_sign_in_is_refused(
    oidc_service: AuthService, idp: OpenIdProvider
):
    idp.add_user("ada", email="ada@example.org")
    async with web_client(oidc_service) as victim, web_client(oidc_service) as attacker:
        callback = await provider_approves(await start_sign_in(attacker), "ada")
        response = await victim.get(callback_path(callback))  # login CSRF: someone else's code and state
        assert_readable_page(response, 400, "Sign-in did not complete")
        assert (await victim.get("/api/v1/me")).status_code == 401


async def test_a_callback_is_good_once(oidc_service: AuthService, idp: OpenIdProvider):
    idp.add_user("ada", email="ada@example.org")
    async with web_client(oidc_service) as http:
        callback = callback_path(await provider_approves(await start_sign_in(http), "ada"))
        assert (await http.get(callback)).status_code == 303
        await http.post("/auth/sign-out")
        assert_readable_page(await http.get(callback), 400, "Sign-in did not complete")


async def test_an_id_token_with_another_nonce_is_refused(
    oidc_service: AuthService, idp: OpenIdProvider, caplog: pytest.LogCaptureFixture
):
    idp.add_user("ada", email="ada@example.org")
    idp.id_token_overrides = {"nonce": "a-nonce-from-another-sign-in"}
    async with web_client(oidc_service) as http:
        with caplog.at_level(logging.INFO, logger="data360_chat.auth.oidc"):
            response = await sign_in_through(http, "ada")
        assert_readable_page(response, 400, "Sign-in did not complete")
        assert "nonce" in caplog.text
        assert (await http.get("/api/v1/me")).status_code == 401


async def test_an_id_token_for_another_client_or_issuer_is_refused(oidc_service: AuthService, idp: OpenIdProvider):
    idp.add_user("ada", email="ada@example.org")
    for override in ({"aud": ["another-client"]}, {"iss": "https://impostor.example"}):
        idp.id_token_overrides = override
        async with web_client(oidc_service) as http:
            assert_readable_page(await sign_in_through(http, "ada"), 400, "Sign-in did not complete")


async def test_an_issuer_that_is_down_at_sign_in_gives_a_clear_page(oidc_service: AuthService, idp: OpenIdProvider):
    idp.stop()
    async with web_client(oidc_service) as http:
        response = await http.get("/auth/oidc/login", params={"next": "/account"})
    assert_readable_page(response, 503, "Sign-in is unavailable", "not answering right now")
    assert 'href="/auth/oidc/login?next=%2Faccount"' in response.text


async def test_an_issuer_that_goes_down_before_the_callback_gives_a_clear_page(
    oidc_service: AuthService, idp: OpenIdProvider
):
    idp.add_user("ada", email="ada@example.org")
    async with web_client(oidc_service) as http:
        callback = await provider_approves(await start_sign_in(http), "ada")
        idp.stop()
        response = await http.get(callback_path(callback))
        assert_readable_page(response, 503, "Sign-in is unavailable")
        idp.start()
        assert (await sign_in_through(http, "ada")).status_code == 303
        assert (await http.get("/api/v1/me")).json()["email"] == "ada@example.org"


async def test_the_account_follows_the_claims_of_each_sign_in(oidc_service: AuthService, idp: OpenIdProvider):
    person = idp.add_user("ada", email="ada@example.org", name="Ada Byron", roles=["d360-admins", "staff"])
    async with web_client(oidc_service) as http:
        assert (await sign_in_through(http, "ada")).status_code == 303
        first = (await http.get("/api/v1/me")).json()
        assert (first["display_name"], first["is_admin"]) == ("Ada Byron", True)
        await http.post("/auth/sign-out")

        person.update(email="Ada.Lovelace@Example.org", name="Ada Lovelace", roles=["staff"])
        assert (await sign_in_through(http, "ada")).status_code == 303
        second = (await http.get("/api/v1/me")).json()
    assert second == {
        "id": first["id"],  # the same account: matched by issuer and subject, not by email
        "email": "ada.lovelace@example.org",
        "display_name": "Ada Lovelace",
        "is_admin": False,
    }


async def test_admin_emails_make_admins_without_a_role(make_service: Callable[..., AuthService], idp: OpenIdProvider):
    service = make_service(
        auth_mode="oidc",
        oidc_discovery_url=idp.discovery_url,
        oidc_client_id=CLIENT_ID,
        oidc_client_secret=CLIENT_SECRET,
        admin_emails=["grace@example.org"],
    )
    idp.add_user("grace", email="Grace@Example.org", name="Grace Hopper")
    idp.add_user("alan", email="alan@example.org", name="Alan Turing", roles=["d360-admins"])
    admins = {}
    for username in ("grace", "alan"):
        async with web_client(service) as http:
            assert (await sign_in_through(http, username)).status_code == 303
            me = (await http.get("/api/v1/me")).json()
            admins[me["email"]] = me["is_admin"]
    # No OIDC_ADMIN_VALUES here: a role claim alone makes nobody an admin.
    assert admins == {"grace@example.org": True, "alan@example.org": False}


async def test_an_id_token_without_an_email_is_refused_with_a_reason(oidc_service: AuthService, idp: OpenIdProvider):
    idp.add_user("anon", email=None, name="No Email")
    async with web_client(oidc_service) as http:
        assert_readable_page(await sign_in_through(http, "anon"), 403, "Sign-in refused", "did not share an email")
