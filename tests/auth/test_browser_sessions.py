"""Sign-in abuse and sign-out in Chromium against the whole app: one generic message for a wrong password or an
unknown email, more than five failures a minute refused with a clear message (per account and per address),
"Sign out everywhere" ending the session in another browser whose page is still open, and tampered or ended
cookies signing nobody in.

Each browser profile comes from an address of its own (`X-Forwarded-For` through one trusted proxy), so the
failures of one test do not count against another's.
"""

from __future__ import annotations

import itertools
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from data360_chat.auth.notices import NOTICES
from data360_chat.settings import PROJECT_ROOT
from tests.support.accounts import COOKIE_NAME, create_user, session_cookie
from tests.support.app_server import RunningApp, app_database, running_app
from tests.support.browser import chromium

ARTIFACTS = PROJECT_ROOT / "test-artifacts" / "auth"
PASSWORD = "correct horse battery"
WIDTHS = {"wide": {"width": 1280, "height": 860}, "phone": {"width": 360, "height": 780}}
ADDRESSES = itertools.count(1)

pytestmark = pytest.mark.timeout(900)


@dataclass
class App:
    """The running app, its database and the browser."""

    running: RunningApp
    db_url: str
    browser: Browser

    @property
    def url(self) -> str:
        return self.running.url

    def context(self, width: str = "wide") -> BrowserContext:
        """A fresh browser profile (light theme) at an address of its own, as a trusted proxy reports it."""
        return self.browser.new_context(
            viewport=WIDTHS[width],
            color_scheme="light",
            extra_http_headers={"X-Forwarded-For": f"198.51.100.{next(ADDRESSES)}"},
        )

    def account(self) -> tuple[str, dict]:
        """A new account; returns its email and a session cookie for it."""
        email = f"u{uuid.uuid4().hex[:8]}@example.org"
        create_user(self.db_url, email, PASSWORD)
        return email, session_cookie(self.url, email, PASSWORD)


@pytest.fixture(scope="module")
def app(pg_url: str, template_db: str) -> Iterator[App]:
    env = {"TRUSTED_PROXY_HOPS": "1"}
    with app_database(pg_url, template_db) as db_url, running_app(db_url, env=env) as running, chromium() as browser:
        yield App(running, db_url, browser)


def shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def me(app: App, session: str | None) -> int:
    """Status of `/api/v1/me` with this session cookie value."""
    cookies = {COOKIE_NAME: session} if session else {}
    return httpx.get(f"{app.url}/api/v1/me", cookies=cookies, timeout=30).status_code


def session_of(context: BrowserContext) -> str | None:
    return next((c["value"] for c in context.cookies() if c["name"] == COOKIE_NAME), None)


def sign_in(page: Page, app: App, email: str, password: str) -> None:
    page.goto(app.url + "/sign-in")
    page.locator("#field-email").fill(email)
    page.locator("#field-password").fill(password)
    page.get_by_role("button", name="Sign in", exact=True).click()


def test_a_wrong_password_and_an_unknown_email_get_one_generic_message(app: App) -> None:
    email, _ = app.account()
    context = app.context()
    page = context.new_page()
    sign_in(page, app, email, "not the password")
    expect(page.locator("#form-error")).to_have_text("Wrong email or password.")
    shot(page, "sign-in-wrong-password-wide")
    sign_in(page, app, "nobody-" + email, "not the password")
    expect(page.locator("#form-error")).to_have_text("Wrong email or password.")
    assert session_of(context) is None
    page.goto(app.url + "/sign-in?error=<b>you+were+hacked</b>")  # only fixed texts are ever shown
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    expect(page.locator("#form-error")).to_have_count(0)
    context.close()


def test_more_than_five_failures_a_minute_are_refused_with_a_clear_message(app: App) -> None:
    email, _ = app.account()
    context, elsewhere = app.context(), app.context("phone")
    page = context.new_page()
    for _ in range(5):
        sign_in(page, app, email, "guess")
        expect(page.locator("#form-error")).to_have_text(NOTICES["wrong_credentials"])
    sign_in(page, app, email, PASSWORD)  # even the right password, for a minute
    expect(page.locator("#form-error")).to_have_text("Too many failed sign-ins. Wait a minute, then try again.")
    shot(page, "sign-in-rate-limited-wide")
    assert session_of(context) is None

    other_page = elsewhere.new_page()  # the account is limited from any address
    sign_in(other_page, app, email, PASSWORD)
    expect(other_page.locator("#form-error")).to_have_text(NOTICES["rate_limited"])
    shot(other_page, "sign-in-rate-limited-phone")

    other_email, _ = app.account()  # and this address is limited for any account
    sign_in(page, app, other_email, PASSWORD)
    expect(page.locator("#form-error")).to_have_text(NOTICES["rate_limited"])
    context.close()
    elsewhere.close()


def test_sign_out_everywhere_ends_another_browsers_open_page(app: App) -> None:
    email, cookie = app.account()
    laptop, phone = app.context(), app.context("phone")
    laptop.add_cookies([cookie])
    phone.add_cookies([session_cookie(app.url, email, PASSWORD)])
    phone_page = phone.new_page()
    phone_page.goto(app.url + "/account")
    expect(phone_page.get_by_role("heading", name="API keys")).to_be_visible()

    laptop_page = laptop.new_page()
    laptop_page.goto(app.url + "/account")
    laptop_page.get_by_role("button", name="Sign out everywhere").click()
    laptop_page.wait_for_url(re.compile(r"/sign-in/?\?notice=signed_out$"))
    expect(laptop_page.locator("#form-notice")).to_have_text(NOTICES["signed_out"])
    assert me(app, cookie["value"]) == 401

    # The phone's page is still open: its next event finds the session gone and goes to the sign-in page.
    phone_page.get_by_placeholder("Key name").fill("after sign-out")
    phone_page.get_by_role("button", name="Create key").click()
    phone_page.wait_for_url(re.compile(r"/sign-in/?\?next=(/|%2F)account/?$"))
    assert me(app, session_of(phone)) == 401
    laptop.close()
    phone.close()


def test_a_tampered_or_ended_cookie_signs_nobody_in(app: App) -> None:
    _, cookie = app.account()
    value = cookie["value"]
    ended = app.account()[1]
    httpx.post(f"{app.url}/auth/sign-out", cookies={COOKIE_NAME: ended["value"]}, headers={"Origin": app.url})
    for forged in (value[:-1] + ("A" if value[-1] != "A" else "B"), value + "x", ended["value"]):
        context = app.context()
        context.add_cookies([{**cookie, "value": forged}])
        page = context.new_page()
        page.goto(app.url + "/account")
        page.wait_for_url(re.compile(r"/sign-in/?\?next=(/|%2F)account/?$"))
        assert me(app, forged) == 401
        context.close()
    assert me(app, value) == 200
