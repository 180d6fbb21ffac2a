"""Redis (which holds every page's state, the sessions and the shared answers) stopped while the app runs, in
Chromium: a question sent meanwhile stays in the composer with a notice that the server is not answering, and the
same page works again once Redis is back."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.support.app_server import app_database, running_app
from tests.support.browser import chromium
from tests.support.redis import RedisProcess, own_redis
from tests.ui.conftest import ChatApp, screenshot
from tests.ui.test_chat_page import ANSWER, TIMEOUT, ask

pytestmark = pytest.mark.browser

NOT_ANSWERING = "The server is not answering right now. Your question is still here: send it again in a moment."


@pytest.fixture(scope="module")
def outage(pg_url: str, template_db: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    with own_redis(tmp_path_factory.mktemp("redis")) as redis:
        env = {"DATA360_MCP_URL": "", "REDIS_URL": redis.url, "GRANIAN_WORKERS": "2", "OFFLINE_MODEL_SPEED": "400"}
        with app_database(pg_url, template_db) as db_url, running_app(db_url, env=env) as app, chromium() as browser:
            yield ChatApp(app, db_url, browser), redis


def test_a_question_sent_while_redis_is_down_is_kept_and_sent_once_it_is_back(outage: Any) -> None:
    chat_app, redis = outage
    redis: RedisProcess
    _, cookie = chat_app.user()
    context = chat_app.context(cookie)
    page = context.new_page()
    page.goto(chat_app.app.url + "/")
    ask(page, "Population of Kenya")
    expect(page.locator(ANSWER)).to_have_count(1, timeout=TIMEOUT)

    redis.stop()
    question = "GDP of Ghana since 2010"
    ask(page, question)
    expect(page.locator(".d360-length-notice")).to_have_text(NOT_ANSWERING, timeout=20_000)
    expect(page.get_by_label("Your question")).to_have_value(question)
    screenshot(page, "redis-down")

    redis.start()
    page.get_by_label("Your question").press("Enter")
    expect(page.locator(ANSWER)).to_have_count(2, timeout=TIMEOUT)
    expect(page.locator(ANSWER).last).to_contain_text("Ghana")
    expect(page.get_by_label("Your question")).to_have_value("")
    expect(page.locator(".d360-length-notice")).to_be_hidden()
    screenshot(page, "redis-back")
    context.close()
