"""A question asked through `POST /api/v1/ask` shows on the chat page like one asked there: the whole app, Chromium,
the offline MCP server over HTTP and the offline model."""

from __future__ import annotations

from typing import Any

import httpx
from playwright.sync_api import expect

from data360_chat.auth.api_keys import create_api_key
from tests.ui.conftest import ChatApp, app_module_fixture, screenshot
from tests.ui.test_chat_page import ANSWER, TIMEOUT, plain, wait_for_answer

chat_app = app_module_fixture(OFFLINE_MODEL_SPEED="200")
QUESTION = "How has life expectancy changed in India since 1990?"


def test_an_answer_asked_by_a_program_shows_in_the_chat(chat_app: ChatApp, signed_in: Any) -> None:
    user_id, page = signed_in
    key = chat_app.db(lambda database: create_api_key(database, user_id, "script")).secret
    headers = {"Authorization": f"Bearer {key}"}
    response = httpx.post(f"{chat_app.app.url}/api/v1/ask", json={"question": QUESTION}, headers=headers, timeout=120)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "complete" and body["charts"]

    page.goto(f"{chat_app.app.url}/?chat={body['chat_id']}")
    wait_for_answer(page)
    expect(page.get_by_text(QUESTION).first).to_be_visible(timeout=TIMEOUT)
    answer = page.locator(ANSWER).last
    assert plain(answer.locator(".d360-md").inner_text()) == plain(body["answer"])
    expect(answer.get_by_role("link", name="Download CSV")).to_have_attribute("href", body["charts"][0]["csv_url"])
    expect(answer.locator(".js-plotly-plot")).to_be_visible(timeout=TIMEOUT)
    screenshot(page, "api-answer-in-chat")

    # Streamed through the whole app's stack (Reflex's server in front): the events arrive, and the page shows it.
    follow_up = {"question": "And in Kenya?", "chat_id": body["chat_id"], "stream": True}
    with httpx.stream("POST", f"{chat_app.app.url}/api/v1/ask", json=follow_up, headers=headers, timeout=120) as sse:
        assert sse.headers["content-type"].startswith("text/event-stream")
        names = [line.removeprefix("event: ") for line in sse.iter_lines() if line.startswith("event: ")]
    assert names[0] == "response.created" and names[-1] == "response.completed"
    assert "response.output_text.delta" in names
    page.reload()
    wait_for_answer(page, 2)
