"""Asking more questions a minute than allowed, in Chromium: the page says when to try again and keeps the text."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import expect

from tests.ui.conftest import ChatApp, app_module_fixture, screenshot
from tests.ui.test_chat_page import ANSWER, TIMEOUT, ask, messages_of

chat_app = app_module_fixture(USER_QUESTION_LIMIT="2", OFFLINE_MODEL_SPEED="400")

REFUSAL = re.compile(r"You have asked 2 questions in the last minute, the most allowed\. Try again in (\d+) seconds?\.")


def test_a_question_over_the_limit_says_when_to_try_again_and_stays_in_the_composer(
    chat_app: ChatApp,
    signed_in: Any,
) -> None:
    user_id, page = signed_in
    for count, question in enumerate(["Population of Kenya", "GDP of Ghana"], start=1):
        ask(page, question)
        expect(page.locator(ANSWER)).to_have_count(count, timeout=TIMEOUT)
    third = "Inflation in Argentina since 2000"
    ask(page, third)
    alert = page.get_by_role("alert").filter(has_text="questions in the last minute")
    expect(alert).to_be_visible(timeout=TIMEOUT)
    wait = int(REFUSAL.search(alert.inner_text()).group(1))
    assert 1 <= wait <= 60
    expect(page.get_by_label("Your question")).to_have_value(third)
    screenshot(page, "question-limit")
    assert [m.content for m in messages_of(chat_app, user_id) if m.role == "user"] == [
        "Population of Kenya",
        "GDP of Ghana",
    ]
