"""Programmatic clients: JWT access tokens from the issuer (JWKS cached, refreshed on an unknown key id; `iss`,
`aud`, `exp`, `nbf` and the signature checked) and personal API keys (stored hashed, revocable)."""

from __future__ import annotations

import base64
import json
import time

import httpx
from sqlalchemy import select

from data360_chat.auth import api_keys
from data360_chat.auth.service import AuthService
from data360_chat.db.models import ApiKey
from tests.auth.conftest import sign_up, web_client
from tests.support.oidc_provider import OpenIdProvider, new_key


def b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


async def me(service: AuthService, token: str) -> httpx.Response:
    async with web_client(service) as http:
        return await http.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})


async def test_a_valid_access_token_signs_in_and_keys_are_fetched_once(oidc_service, idp: OpenIdProvider):
    idp.add_user("ada", email="ada@example.org", name="Ada Lovelace", roles=["d360-admins"])
    for _ in range(3):
        response = await me(oidc_service, idp.access_token("ada"))
        assert response.status_code == 200, response.text
    assert response.json()["email"] == "ada@example.org"
    assert response.json()["is_admin"] is True
    assert idp.requests.count("/jwks") == 1


async def test_a_rotated_key_is_fetched_when_a_token_names_it(oidc_service, idp: OpenIdProvider):
    idp.add_user("ada", email="ada@example.org")
    assert (await me(oidc_service, idp.access_token("ada"))).status_code == 200
    idp.rotate_key(keep_old=False)
    assert (await me(oidc_service, idp.access_token("ada"))).status_code == 200
    assert idp.requests.count("/jwks") == 2


async def test_made_up_key_ids_do_not_hammer_the_issuer(oidc_service, idp: OpenIdProvider):
    idp.add_user("ada", email="ada@example.org")
    assert (await me(oidc_service, idp.access_token("ada"))).status_code == 200
    stranger = new_key()
    for _ in range(5):
        assert (await me(oidc_service, idp.access_token("ada", key=stranger))).status_code == 401
    assert idp.requests.count("/jwks") == 2  # the first fetch, then one refetch for the unknown key id


def refused_tokens(idp: OpenIdProvider) -> dict[str, str]:
    """Tokens that must not be accepted, by reason."""
    now = int(time.time())
    good = idp.access_token("ada")
    header, payload, signature = good.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return {
        "wrong issuer": idp.access_token("ada", issuer="https://elsewhere.example"),
        "wrong audience": idp.access_token("ada", audience="another-api"),
        "the ID token audience": idp.access_token("ada", audience="d360-chat"),
        "expired": idp.access_token("ada", expires_in=-120),
        "not yet valid": idp.access_token("ada", not_before=now + 600),
        "alg none": f"{b64({'alg': 'none', 'typ': 'JWT'})}.{payload}.",
        "alg none, signature kept": f"{b64({'alg': 'none', 'kid': idp.signing_key.kid})}.{payload}.{signature}",
        "HS256 with the public key": f"{b64({'alg': 'HS256', 'kid': idp.signing_key.kid})}.{payload}.{signature}",
        "another key, same kid": idp.access_token("ada", key=new_key(), kid=idp.signing_key.kid),
        "tampered claims": f"{header}.{b64({**claims, 'sub': 'sub-someone-else'})}.{signature}",
        "tampered signature": f"{header}.{payload}.{signature[:-4]}AAAA",
        "garbage": "not-a-jwt",
    }


async def test_bad_tokens_are_refused(oidc_service, idp: OpenIdProvider):
    idp.add_user("ada", email="ada@example.org")
    for reason, token in refused_tokens(idp).items():
        response = await me(oidc_service, token)
        assert response.status_code == 401, reason
    assert (await me(oidc_service, idp.access_token("ada"))).status_code == 200


async def test_tokens_are_refused_while_the_issuer_is_down(oidc_service, idp: OpenIdProvider):
    idp.add_user("ada", email="ada@example.org")
    token = idp.access_token("ada")
    idp.stop()
    assert (await me(oidc_service, token)).status_code == 401


async def test_api_keys_are_stored_hashed_and_stop_working_when_revoked(service: AuthService):
    async with web_client(service) as http:
        await sign_up(http, "ada@example.org")
        user_id = (await http.get("/api/v1/me")).json()["id"]
    key = await api_keys.create_api_key(service.database, user_id, "nightly report")
    assert key.secret.startswith(key.prefix + "_")
    assert (await me(service, key.secret)).json()["email"] == "ada@example.org"

    async with service.database.session() as session:
        row = (await session.execute(select(ApiKey).where(ApiKey.id == key.id))).scalar_one()
        assert key.secret not in json.dumps(row.model_dump(mode="json"))
        assert row.last_used_at is not None

    assert (await me(service, key.secret[:-1] + ("A" if key.secret[-1] != "A" else "B"))).status_code == 401
    assert (await me(service, "d360_" + "x" * 300)).status_code == 401

    async with web_client(service) as http:
        await sign_up(http, "bob@example.org")
        bob_id = (await http.get("/api/v1/me")).json()["id"]
    assert not await api_keys.revoke_api_key(service.database, bob_id, key.id)
    assert (await me(service, key.secret)).status_code == 200

    assert await api_keys.revoke_api_key(service.database, user_id, key.id)
    assert (await me(service, key.secret)).status_code == 401
    assert await api_keys.list_api_keys(service.database, user_id) == []
