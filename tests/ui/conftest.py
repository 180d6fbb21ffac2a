"""The whole app (offline MCP server, offline model) in one process per module, a Chromium, and signed-in pages."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from data360_chat.db.engine import Database
from data360_chat.settings import PROJECT_ROOT
from tests.support.accounts import create_user, session_cookie
from tests.support.app_server import RunningApp, app_database, running_app
from tests.support.browser import chromium

TIMEOUT = 60_000  # ms a browser test waits for what takes a server round trip or an answer

ARTIFACTS = PROJECT_ROOT / "test-artifacts" / "ui"
PASSWORD = "correct horse battery staple"
T = TypeVar("T")


def run_db(database_url: str, work: Callable[[Database], Coroutine[Any, Any, T]]) -> T:
    """Run `work(database)` on its own event loop in a worker thread (for synchronous browser tests)."""

    async def main() -> T:
        database = Database(database_url)
        try:
            return await work(database)
        finally:
            await database.dispose()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, main()).result()


@dataclass
class ChatApp:
    """The running app, its database and a way to sign people in."""

    app: RunningApp
    db_url: str
    browser: Browser

    def user(self) -> tuple[uuid.UUID, dict[str, Any]]:
        """A new account and its session cookie."""
        email = f"u{uuid.uuid4().hex[:10]}@example.org"
        user_id = create_user(self.db_url, email, PASSWORD)
        return user_id, session_cookie(self.app.url, email, PASSWORD)

    def context(self, cookie: dict[str, Any], **options: Any) -> BrowserContext:
        """A browser context signed in with `cookie`."""
        options.setdefault("viewport", {"width": 1280, "height": 860})
        context = self.browser.new_context(**options)
        context.add_cookies([cookie])
        return context

    def db(self, work: Callable[[Database], Coroutine[Any, Any, T]]) -> T:
        """Run `work` against the app's database."""
        return run_db(self.db_url, work)


def app_module_fixture(**env: str) -> Callable[..., Iterator[ChatApp]]:
    """A module-scoped fixture: the app with the offline MCP server and offline model, and `env` on top."""

    @pytest.fixture(scope="module")
    def chat_app(pg_url: str, template_db: str) -> Iterator[ChatApp]:
        with (
            app_database(pg_url, template_db) as db_url,
            running_app(db_url, env={"DATA360_MCP_URL": "", **env}) as app,
            chromium() as browser,
        ):
            yield ChatApp(app, db_url, browser)

    return chat_app


def screenshot(page: Page, name: str) -> Path:
    """Save a screenshot under test-artifacts/ui/."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), animations="disabled")  # finished, not caught mid-transition
    return path


@pytest.fixture
def signed_in(chat_app: ChatApp) -> Iterator[tuple[uuid.UUID, Page]]:
    """A new user on the chat page, its data loaded."""
    user_id, cookie = chat_app.user()
    context = chat_app.context(cookie)
    page = context.new_page()
    page.goto(chat_app.app.url + "/")
    expect(page.get_by_label("Your question")).to_be_visible(timeout=TIMEOUT)
    expect(page.locator(".d360-main")).to_have_attribute("aria-busy", "false", timeout=TIMEOUT)  # its data loaded
    yield user_id, page
    context.close()
