"""Local accounts in Chromium against the whole app: sign up, sign out (the old cookie then works nowhere), a wrong
password, sign in, the account page (password, API keys), and the pages at phone width.

Every failed sign-in from the browser counts towards the per-IP limit (all come from 127.0.0.1): this module
makes fewer than `LOGIN_RATE_LIMIT` of them.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from data360_chat.settings import PROJECT_ROOT
from tests.support.accounts import COOKIE_NAME, create_user
from tests.support.app_server import RunningApp, app_database, running_app

ARTIFACTS = PROJECT_ROOT / "test-artifacts" / "auth"
TIMEOUT = 60_000
PASSWORD = "correct horse battery"


@pytest.fixture(scope="module")
def app(pg_url: str, template_db: str) -> Iterator[tuple[RunningApp, str]]:
    """The app in local mode over a database of its own."""
    with app_database(pg_url, template_db) as db_url, running_app(db_url) as running:
        yield running, db_url


def screenshot(page: Page, name: str) -> Path:
    """Save the whole page under test-artifacts/auth/."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def new_email() -> str:
    return f"u{uuid.uuid4().hex[:10]}@example.org"


def sign_in(page: Page, url: str, email: str, password: str) -> None:
    page.goto(f"{url}/sign-in")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()


def expect_chat_page(page: Page, url: str) -> None:
    expect(page.get_by_label("Your question")).to_be_visible(timeout=TIMEOUT)
    assert page.url.rstrip("/") == url


def me(url: str, **headers: str) -> httpx.Response:
    return httpx.get(f"{url}/api/v1/me", headers=headers, timeout=30)


def test_sign_up_sign_out_and_sign_in_again(app: tuple[RunningApp, str], page: Page, browser: Browser):
    running, _ = app
    url, email = running.url, new_email()

    page.goto(f"{url}/")  # not signed in: sent to the sign-in page, which links to sign-up
    expect(page).to_have_url(f"{url}/sign-in?next=/", timeout=TIMEOUT)
    page.get_by_role("link", name="Create one").click()
    expect(page.get_by_role("heading", name="Create an account")).to_be_visible(timeout=TIMEOUT)
    page.get_by_label("Name").fill("Ada Lovelace")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password (at least 8 characters)").fill(PASSWORD)
    page.get_by_label("Repeat the password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect_chat_page(page, url)

    cookie = next(c for c in page.context.cookies() if c["name"] == COOKIE_NAME)
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax" and not cookie["secure"]
    assert page.evaluate("document.cookie").find(COOKIE_NAME) == -1  # invisible to the page's scripts
    assert me(url, Cookie=f"{COOKIE_NAME}={cookie['value']}").json()["email"] == email

    page.get_by_role("link", name="Account").first.click()
    expect(page.get_by_role("heading", name="Your account")).to_be_visible(timeout=TIMEOUT)
    expect(page.get_by_text(email)).to_be_visible()
    page.get_by_role("button", name="Sign out", exact=True).click()
    expect(page.get_by_text("You are signed out.")).to_be_visible(timeout=TIMEOUT)
    assert COOKIE_NAME not in {c["name"] for c in page.context.cookies()}

    # The old cookie works nowhere: not for the API, not for a page in another browser.
    assert me(url, Cookie=f"{COOKIE_NAME}={cookie['value']}").status_code == 401
    thief = browser.new_context()
    try:
        thief.add_cookies([{"name": COOKIE_NAME, "value": cookie["value"], "url": url}])
        stolen = thief.new_page()
        stolen.goto(f"{url}/account")
        expect(stolen).to_have_url(re.compile(r".*/sign-in\?next=/account/?$"), timeout=TIMEOUT)
    finally:
        thief.close()

    sign_in(page, url, email, "not the password")
    expect(page.get_by_role("alert")).to_have_text("Wrong email or password.", timeout=TIMEOUT)
    screenshot(page, "sign-in-wrong-password")
    sign_in(page, url, email, PASSWORD)
    expect_chat_page(page, url)


def test_the_account_page_changes_the_password_and_makes_api_keys(app: tuple[RunningApp, str], page: Page):
    running, db_url = app
    url, email = running.url, new_email()
    create_user(db_url, email, PASSWORD, display_name="Grace Hopper")
    sign_in(page, url, email, PASSWORD)
    expect_chat_page(page, url)
    page.goto(f"{url}/account")
    expect(page.get_by_role("heading", name="Your account")).to_be_visible(timeout=TIMEOUT)

    page.get_by_label("Current password").fill(PASSWORD)
    page.get_by_label("New password (at least 8 characters)").fill("a new passphrase")
    page.get_by_label("Repeat the new password").fill("a new passphrase")
    page.get_by_role("button", name="Change password").click()
    expect(page.get_by_text("Your password was changed.")).to_be_visible(timeout=TIMEOUT)

    page.get_by_label("Name of the new key").fill("nightly report")
    page.get_by_role("button", name="Create key").click()
    secret = page.locator("#new-api-key")
    expect(secret).to_contain_text("d360_", timeout=TIMEOUT)
    key = secret.inner_text().strip()
    row = page.locator("#api-keys").get_by_role("row", name="nightly report")
    expect(row).to_be_visible()
    assert key not in row.inner_text()  # the table shows the prefix only
    screenshot(page, "account")
    assert me(url, Authorization=f"Bearer {key}").json()["email"] == email

    page.get_by_role("button", name="Done").click()
    expect(secret).to_have_count(0)
    page.reload()
    expect(page.get_by_role("heading", name="Your account")).to_be_visible(timeout=TIMEOUT)
    expect(page.locator("#new-api-key")).to_have_count(0)  # shown once, never again
    page.get_by_role("button", name="Revoke the key nightly report").click()
    expect(page.get_by_text("No API keys.")).to_be_visible(timeout=TIMEOUT)
    assert me(url, Authorization=f"Bearer {key}").status_code == 401

    old = httpx.post(
        f"{url}/auth/sign-in", data={"email": email, "password": PASSWORD}, headers={"Origin": url}, timeout=30
    )
    assert old.headers["location"] == "/sign-in?error=wrong_credentials"
    new = httpx.post(
        f"{url}/auth/sign-in", data={"email": email, "password": "a new passphrase"}, headers={"Origin": url}
    )
    assert new.headers["location"] == "/" and new.cookies.get(COOKIE_NAME)


@pytest.mark.parametrize("width", [1280, 360])
def test_the_account_pages_fit_the_screen(app: tuple[RunningApp, str], browser: Browser, width: int):
    running, db_url = app
    url, email = running.url, new_email()
    create_user(db_url, email, PASSWORD, display_name="Katherine Johnson")
    context = browser.new_context(viewport={"width": width, "height": 800})
    try:
        page = context.new_page()
        for path, heading in [("/sign-up?error=password_short", "Create an account"), ("/sign-in", "Sign in")]:
            page.goto(url + path)
            expect(page.get_by_role("heading", name=heading)).to_be_visible(timeout=TIMEOUT)
            if "error" in path:
                expect(page.get_by_role("alert")).to_have_text("Use at least 8 characters for the password.")
            assert page.evaluate("document.documentElement.scrollWidth") <= width, path
            screenshot(page, f"{path.strip('/').split('?')[0]}-{width}")
        sign_in(page, url, email, PASSWORD)
        expect_chat_page(page, url)
        page.goto(f"{url}/account")
        expect(page.get_by_role("heading", name="Your account")).to_be_visible(timeout=TIMEOUT)
        page.get_by_label("Name of the new key").fill("a key with a long name for a small screen")
        page.get_by_role("button", name="Create key").click()
        expect(page.locator("#new-api-key")).to_contain_text("d360_", timeout=TIMEOUT)
        screenshot(page, f"account-{width}")
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        revoke = page.get_by_role("button", name=re.compile("^Revoke the key")).bounding_box()
        assert revoke is not None and revoke["x"] + revoke["width"] <= width  # not cut off on a phone
    finally:
        context.close()
