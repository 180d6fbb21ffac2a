"""Signing in through an OpenID Connect issuer over HTTP: code flow with PKCE, state and nonce, failures."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import httpx

from data360_chat.auth.service import AuthService
from tests.auth.conftest import web_client
from tests.support.oidc_provider import CLIENT_ID, CLIENT_SECRET, OpenIdProvider


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


async def sign_in_through_provider(service: AuthService, idp: OpenIdProvider, username: str) -> httpx.Response:
    """A whole sign-in; returns the app's answer to the callback (the `/api/v1/me` of the new session on success)."""
    async with web_client(service) as http:
        callback = await provider_approves(await start_sign_in(http), username)
        response = await http.get(callback_path(callback))
        if response.status_code != 303:
            return response
        return await http.get("/api/v1/me")


async def test_later_sign_ins_update_the_account_from_the_claims(oidc_service: AuthService, idp: OpenIdProvider):
    user = idp.add_user("ada", email="ada@example.org", name="Ada", roles=["d360-admins"])
    first = (await sign_in_through_provider(oidc_service, idp, "ada")).json()
    assert first["display_name"] == "Ada" and first["is_admin"] is True
    user.update(name="Ada Lovelace", email="ada.lovelace@example.org", roles=["staff"])
    second = (await sign_in_through_provider(oidc_service, idp, "ada")).json()
    assert second["id"] == first["id"]
    assert (second["display_name"], second["email"], second["is_admin"]) == (
        "Ada Lovelace",
        "ada.lovelace@example.org",
        False,
    )


async def test_admin_emails_make_admins(make_service, idp: OpenIdProvider):
    service = make_service(
        auth_mode="oidc",
        oidc_discovery_url=idp.discovery_url,
        oidc_client_id=CLIENT_ID,
        oidc_client_secret=CLIENT_SECRET,
        admin_emails=["grace@example.org"],
    )
    idp.add_user("grace", email="Grace@example.org", given_name="Grace", family_name="Hopper", email_verified=True)
    idp.add_user("alan", email="alan@example.org", name="Alan")
    grace = (await sign_in_through_provider(service, idp, "grace")).json()
    assert (grace["display_name"], grace["is_admin"]) == ("Grace Hopper", True)
    assert (await sign_in_through_provider(service, idp, "alan")).json()["is_admin"] is False


async def test_a_callback_without_the_matching_state_is_refused(oidc_service: AuthService, idp: OpenIdProvider):
    idp.add_user("ada", email="ada@example.org")
    async with web_client(oidc_service) as victim:
        callback = await provider_approves(await start_sign_in(victim), "ada")
    async with web_client(oidc_service) as attacker:  # the code and state arrive without the state cookie
        response = await attacker.get(callback_path(callback))
        assert response.status_code == 400
        assert "expired or was already used" in response.text
        assert (await attacker.get("/api/v1/me")).status_code == 401
    async with web_client(oidc_service) as http:  # a state of another sign-in
        await start_sign_in(http)
        parts = urlsplit(callback)
        forged = f"{parts.path}?{parts.query.replace('state=', 'state=x')}"
        assert (await http.get(forged)).status_code == 400
        assert (await http.get("/api/v1/me")).status_code == 401


async def test_a_replayed_callback_is_refused(oidc_service: AuthService, idp: OpenIdProvider):
    idp.add_user("ada", email="ada@example.org")
    async with web_client(oidc_service) as http:
        callback = await provider_approves(await start_sign_in(http), "ada")
        assert (await http.get(callback_path(callback))).status_code == 303
        http.cookies.clear()
        assert (await http.get(callback_path(callback))).status_code == 400


async def test_id_tokens_with_a_wrong_nonce_audience_or_issuer_are_refused(
    oidc_service: AuthService, idp: OpenIdProvider
):
    idp.add_user("ada", email="ada@example.org")
    for override in ({"nonce": "replayed-nonce"}, {"aud": "another-client"}, {"iss": "https://elsewhere.example"}):
        idp.id_token_overrides = override
        response = await sign_in_through_provider(oidc_service, idp, "ada")
        assert response.status_code == 400, override
        assert "could not be verified" in response.text or "refused" in response.text, override
    idp.id_token_overrides = {}
    assert (await sign_in_through_provider(oidc_service, idp, "ada")).status_code == 200


async def test_an_issuer_that_is_down_gives_a_clear_page(oidc_service: AuthService, idp: OpenIdProvider):
    idp.add_user("ada", email="ada@example.org")
    async with web_client(oidc_service) as http:
        authorize_url = await start_sign_in(http)
        callback = await provider_approves(authorize_url, "ada")
        idp.stop()
        at_callback = await http.get(callback_path(callback))  # the code cannot be exchanged for tokens
        at_login = await http.get("/auth/oidc/login")  # the issuer's metadata is known, but it is down
    for response in (at_callback, at_login):
        assert response.status_code == 503
        assert "Sign-in is unavailable" in response.text and "Try again" in response.text


async def test_an_issuer_that_was_never_reachable_gives_the_same_page(make_service, idp: OpenIdProvider):
    service = make_service(
        auth_mode="oidc", oidc_discovery_url="http://127.0.0.1:9/.well-known/openid-configuration", oidc_client_id="x"
    )
    async with web_client(service) as http:
        response = await http.get("/auth/oidc/login")
    assert response.status_code == 503 and "Sign-in is unavailable" in response.text


async def test_claims_without_a_usable_email_are_refused(oidc_service: AuthService, idp: OpenIdProvider):
    idp.add_user("nomail", email=None, name="No Mail")
    idp.add_user("unverified", email="u@example.org", email_verified=False)
    for username, text in [("nomail", "did not share an email"), ("unverified", "not verified")]:
        response = await sign_in_through_provider(oidc_service, idp, username)
        assert response.status_code == 403 and text in response.text, username


async def test_local_sign_in_is_off_in_oidc_mode(oidc_service: AuthService):
    async with web_client(oidc_service) as http:
        response = await http.post("/auth/sign-in", data={"email": "ada@example.org", "password": "x" * 12})
        assert response.headers["location"] == "/sign-in?error=local_disabled"
