"""Signing in through an OpenID Connect provider in Chromium: the whole app in `AUTH_MODE=oidc` against the test
provider on loopback, whose sign-in form the browser fills in."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.auth.test_browser_local import TIMEOUT, expect_chat_page, screenshot
from tests.support.accounts import COOKIE_NAME
from tests.support.app_server import RunningApp, app_database, running_app
from tests.support.oidc_provider import CLIENT_ID, CLIENT_SECRET, OpenIdProvider


@pytest.fixture(scope="module")
def idp() -> Iterator[OpenIdProvider]:
    with OpenIdProvider() as provider:
        provider.add_user("ada", email="ada@example.org", name="Ada Lovelace", roles=["d360-admins"])
        provider.add_user("alan", email="alan@example.org", name="Alan Turing")
        yield provider


@pytest.fixture(scope="module")
def app(pg_url: str, template_db: str, idp: OpenIdProvider) -> Iterator[RunningApp]:
    """The app signing people in through the provider only."""
    env = {
        "AUTH_MODE": "oidc",
        "OIDC_DISCOVERY_URL": idp.discovery_url,
        "OIDC_CLIENT_ID": CLIENT_ID,
        "OIDC_CLIENT_SECRET": CLIENT_SECRET,
        "OIDC_ADMIN_VALUES": "d360-admins",
    }
    with app_database(pg_url, template_db) as db_url, running_app(db_url, env=env) as running:
        idp.allow_redirect_uri(f"{running.url}/auth/oidc/callback")
        yield running


def sign_in_at_the_provider(page: Page, username: str) -> None:
    page.get_by_role("link", name="Sign in with your organisation").click()
    expect(page.get_by_role("heading", name="Test identity provider")).to_be_visible(timeout=TIMEOUT)
    page.get_by_label("Username").fill(username)
    page.get_by_role("button", name="Continue").click()


def test_sign_in_through_the_provider_and_out_again(app: RunningApp, page: Page):
    page.goto(f"{app.url}/account")
    expect(page).to_have_url(re.compile(r".*/sign-in\?next=/account/?$"), timeout=TIMEOUT)
    expect(page.get_by_label("Password")).to_have_count(0)  # no local form in this mode
    # The page has loaded its state once the link carries where to go afterwards.
    organisation = page.get_by_role("link", name="Sign in with your organisation")
    expect(organisation).to_have_attribute("href", re.compile(r"next=%2Faccount"), timeout=TIMEOUT)
    screenshot(page, "sign-in-oidc")
    sign_in_at_the_provider(page, "ada")

    expect(page.get_by_role("heading", name="Your account")).to_be_visible(timeout=TIMEOUT)
    assert page.url.rstrip("/") == f"{app.url}/account"
    expect(page.get_by_text("Ada Lovelace · ada@example.org · admin")).to_be_visible()
    expect(page.get_by_text("You sign in through your organisation")).to_be_visible()
    cookie = next(c for c in page.context.cookies() if c["name"] == COOKIE_NAME)
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
    me = httpx.get(f"{app.url}/api/v1/me", headers={"Cookie": f"{COOKIE_NAME}={cookie['value']}"}, timeout=30)
    assert me.json()["email"] == "ada@example.org" and me.json()["is_admin"] is True

    page.get_by_role("button", name="Sign out", exact=True).click()
    expect(page.get_by_text("You are signed out.")).to_be_visible(timeout=TIMEOUT)
    sign_in_at_the_provider(page, "alan")
    expect_chat_page(page, app.url)
    page.goto(f"{app.url}/account")
    expect(page.get_by_text("Alan Turing · alan@example.org", exact=True)).to_be_visible(timeout=TIMEOUT)


def test_an_issuer_that_is_down_shows_a_page_saying_so(app: RunningApp, page: Page, idp: OpenIdProvider):
    page.goto(f"{app.url}/sign-in")
    expect(page.get_by_role("link", name="Sign in with your organisation")).to_be_visible(timeout=TIMEOUT)
    idp.stop()
    try:
        page.get_by_role("link", name="Sign in with your organisation").click()
        expect(page.get_by_role("heading", name="Sign-in is unavailable")).to_be_visible(timeout=TIMEOUT)
        screenshot(page, "issuer-down")
    finally:
        idp.start()
    page.get_by_role("link", name="Try again").click()
    expect(page.get_by_role("heading", name="Test identity provider")).to_be_visible(timeout=TIMEOUT)
