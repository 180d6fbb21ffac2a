"""An identity from the issuer is its issuer + subject: an email alone never reaches an existing account, and a
token changes roles only through a configured admin claim."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from data360_chat.auth.oidc_users import IdentityRules, account_for_claims
from data360_chat.auth.service import AuthService
from data360_chat.repositories.users import get_user_by_email
from tests.auth.conftest import sign_up, web_client
from tests.support.oidc_provider import CLIENT_ID, CLIENT_SECRET, OpenIdProvider


def bearer_service(make_service: Callable[..., AuthService], idp: OpenIdProvider, **overrides: Any) -> AuthService:
    """A local-accounts server that also accepts the issuer's access tokens on its API."""
    return make_service(
        jwt_issuer=idp.issuer,
        jwt_audience="d360-api",
        jwt_jwks_url=f"{idp.issuer}/jwks",
        oidc_client_id=CLIENT_ID,
        oidc_client_secret=CLIENT_SECRET,
        **overrides,
    )


async def me(service: AuthService, token: str) -> httpx.Response:
    async with web_client(service) as http:
        return await http.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})


async def account(service: AuthService, email: str) -> tuple[str, bool, str | None]:
    async with service.database.session() as session:
        user = await get_user_by_email(session, email)
    assert user is not None
    return user.display_name, user.is_admin, user.oidc_subject


async def local_accounts(service: AuthService) -> None:
    """Alice (the first account, an admin) and Bob, with passwords."""
    async with web_client(service) as http:
        assert (await sign_up(http, "alice@example.org", display_name="Alice")).status_code == 303
    async with web_client(service) as http:
        assert (await sign_up(http, "bob@example.org", display_name="Bob")).status_code == 303


async def test_a_token_with_someone_elses_email_does_not_reach_their_account(make_service, idp: OpenIdProvider):
    service = bearer_service(make_service, idp)
    await local_accounts(service)
    alice_before, bob_before = await account(service, "alice@example.org"), await account(service, "bob@example.org")
    idp.add_user("mallory-as-bob", email="bob@example.org", name="Mallory")
    idp.add_user("mallory-as-alice", email="alice@example.org", name="Mallory")
    idp.add_user("mallory-verified", email="bob@example.org", name="Mallory", email_verified=True)
    for username in ("mallory-as-bob", "mallory-as-alice", "mallory-verified"):
        assert (await me(service, idp.access_token(username))).status_code == 401, username
    assert await account(service, "alice@example.org") == alice_before
    assert await account(service, "bob@example.org") == bob_before


async def test_a_verified_email_links_only_where_linking_is_allowed(make_service, idp: OpenIdProvider):
    service = bearer_service(make_service, idp, oidc_link_verified_emails=True)
    await local_accounts(service)
    idp.add_user("bob-unverified", email="bob@example.org", name="Someone")
    assert (await me(service, idp.access_token("bob-unverified"))).status_code == 401
    bob = idp.add_user("bob", email="bob@example.org", name="Robert", email_verified=True)
    response = await me(service, idp.access_token("bob"))
    assert response.status_code == 200 and response.json()["email"] == "bob@example.org"
    assert await account(service, "bob@example.org") == ("Bob", False, bob["sub"])  # linked, nothing else changed
    idp.add_user("alice", email="alice@example.org", name="A", email_verified=True)
    assert (await me(service, idp.access_token("alice"))).json()["is_admin"] is True  # the role is kept


async def test_new_accounts_from_tokens_are_not_admins_unless_the_claim_or_a_verified_listed_email_says_so(
    make_service, idp: OpenIdProvider
):
    service = bearer_service(make_service, idp, admin_emails=["boss@example.org"])
    idp.add_user("fake-boss", email="boss@example.org")
    assert (await me(service, idp.access_token("fake-boss"))).json()["is_admin"] is False
    idp.add_user("staff", email="staff@example.org", roles=["d360-admins"])
    assert (await me(service, idp.access_token("staff"))).json()["is_admin"] is False  # no admin claim configured

    service = bearer_service(make_service, idp, admin_emails=["chief@example.org"], oidc_admin_values=["d360-admins"])
    idp.add_user("chief", email="chief@example.org", email_verified=True)
    assert (await me(service, idp.access_token("chief"))).json()["is_admin"] is True
    idp.add_user("lead", email="lead@example.org", roles=["d360-admins"])
    assert (await me(service, idp.access_token("lead"))).json()["is_admin"] is True


async def test_the_issuers_tenant_claim_names_the_organisation_and_follows_each_sign_in(database) -> None:
    rules = IdentityRules(claim="roles", values=frozenset(), emails=frozenset(), organisation_claim="org")
    claims = {"sub": "ada-1", "email": "ada@example.org", "org": "research"}
    created = await account_for_claims(database, "https://idp.example", claims, rules, refresh=False)
    assert created.organisation == "research"
    moved = await account_for_claims(database, "https://idp.example", {**claims, "org": "ops"}, rules, refresh=True)
    assert moved.id == created.id and moved.organisation == "ops"
    left = await account_for_claims(
        database, "https://idp.example", {"sub": "ada-1", "email": "ada@example.org"}, rules, refresh=True
    )
    assert left.organisation is None  # no claim: the email domain counts
