"""In Chromium, against the whole app with a scripted model over LiteLLM's HTTP path and the offline MCP server: an
answer cut off shows why, with Continue (which finishes it in place) and Regenerate; every answer lists the numbers
it cites and where each was found, also when the chat is opened again."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from data360_chat.assistant.continuation import CONTINUE_REQUEST
from data360_chat.db.engine import Database
from data360_chat.repositories.chats import create_chat
from data360_chat.repositories.messages import add_user_message, start_answer, update_message
from tests.support.app_server import app_database, running_app
from tests.support.browser import chromium
from tests.support.scripted_llm import Close, Reply, ScriptedLLM, Text
from tests.support.wdi import rows
from tests.ui.conftest import ChatApp, screenshot
from tests.ui.test_chat_page import (
    ANSWER,
    STREAMING,
    TIMEOUT,
    ask,
    messages_of,
    plain,
    wait_for_answer,
)

CUT_QUESTION = "Population of Kenya in 2000 and 2020"
NUMBERS_QUESTION = "How fast did Kenya's population grow since 2000?"


def kenya() -> dict[int, float]:
    return {r.year: r.value for r in rows("SP.POP.TOTL", ("KEN",), (2000, 2024))}


def fetch(country: str) -> Reply:
    return Reply.tools(
        (
            "data360_get_data",
            {
                "database_id": "WB_WDI",
                "indicator_id": "WB_WDI_SP_POP_TOTL",
                "disaggregation_filters": {"REF_AREA": country},
                "start_year": 2000,
                "end_year": 2024,
            },
        )
    )


FIRST = f"Kenya had {kenya()[2000] / 1e6:.1f} million people in 2000, and by 2020 the count had reach"
REST = f"ed {kenya()[2020] / 1e6:.1f} million."
GROWTH = (kenya()[2020] - kenya()[2000]) / kenya()[2000] * 100
NUMBERS_ANSWER = (
    f"Kenya's population grew from {kenya()[2000] / 1e6:.1f} million in 2000 to {kenya()[2020] / 1e6:.1f} million "
    f"in 2020: **{GROWTH:.0f}% more** in twenty years. It is expected to pass 95.3 million by 2050."
)


def script(body: dict[str, Any]) -> Reply:
    """The model's next turn for the conversation the app sends."""
    messages = body["messages"]
    if messages[-1]["content"] == CONTINUE_REQUEST:
        return Reply.text(REST)
    question = next(m["content"] for m in reversed(messages) if m["role"] == "user")
    if messages[-1]["role"] != "tool":
        return fetch("KEN")
    if question == CUT_QUESTION:
        return Reply(steps=(Text(FIRST), Close()))
    return Reply.text(NUMBERS_ANSWER)


@pytest.fixture(scope="module")
def chat_app(pg_url: str, template_db: str) -> Iterator[ChatApp]:
    """The app with the built-in offline MCP server and the scripted model."""
    with ScriptedLLM.in_thread(script) as llm:
        env = {"DATA360_MCP_URL": "", "LLM_MODEL": "openai/scripted", "LLM_API_BASE": llm.url, "LLM_API_KEY": "k"}
        with app_database(pg_url, template_db) as db_url, running_app(db_url, env=env) as app, chromium() as browser:
            yield ChatApp(app, db_url, browser)


def test_an_answer_cut_off_offers_continue_which_finishes_it_in_place(chat_app: ChatApp, signed_in: Any) -> None:
    user_id, tab = signed_in
    ask(tab, CUT_QUESTION)
    wait_for_answer(tab)
    answer = tab.locator(ANSWER).last
    notice = answer.locator(".d360-cut-short")
    expect(notice).to_contain_text("Cut off", timeout=TIMEOUT)
    expect(notice).to_contain_text("closed before the answer was finished")
    expect(notice.get_by_role("button", name="Regenerate")).to_be_visible()
    expect(tab.get_by_role("button", name="Regenerate", exact=True)).to_have_count(0)  # offered once, beside it
    assert plain(answer.locator(".d360-md").inner_text()) == plain(FIRST)
    [stored] = [m for m in messages_of(chat_app, user_id) if m.role == "assistant"]
    assert (stored.status, stored.content) == ("cut_off", FIRST)
    screenshot(tab, "answer-cut-off")

    notice.get_by_role("button", name="Continue").click()
    expect(tab.locator(STREAMING)).to_have_count(0, timeout=TIMEOUT)
    expect(tab.locator(".d360-cut-short")).to_have_count(0, timeout=TIMEOUT)
    wait_for_answer(tab)
    assert plain(tab.locator(ANSWER).last.locator(".d360-md").inner_text()) == plain(FIRST + REST)
    after = messages_of(chat_app, user_id)
    assert [(m.role, m.status) for m in after] == [("user", "complete"), ("assistant", "complete")]
    assert (after[1].id, after[1].content) == (stored.id, FIRST + REST)
    expect(tab.locator(ANSWER).last.locator(".d360-chart .main-svg").first).to_be_attached(timeout=TIMEOUT)
    expect(tab.get_by_role("button", name="Regenerate", exact=True)).to_be_visible()


def test_numbers_checked_lists_each_number_and_where_it_was_found(chat_app: ChatApp, signed_in: Any) -> None:
    _, tab = signed_in
    ask(tab, NUMBERS_QUESTION)
    wait_for_answer(tab)
    tab.wait_for_url(re.compile(r"\?chat="), timeout=TIMEOUT)
    expected = [
        (f"{kenya()[2000] / 1e6:.1f} million", "Population, total · Kenya · 2000"),
        (f"{kenya()[2020] / 1e6:.1f} million", "Population, total · Kenya · 2020"),
        (f"{GROWTH:.0f}%", "derivedchange 2000→2020 of Population, total · Kenya"),  # tagged "derived"
        ("95.3 million", "not found in the data"),
    ]

    def check(tab: Page, name: str) -> None:
        checked = tab.locator(ANSWER).last.locator(".d360-numbers-checked")
        expect(checked.locator("summary")).to_have_text("Numbers checked: 3 of 4 found in the data", timeout=TIMEOUT)
        expect(checked.locator(".d360-number-row")).to_have_count(4)
        expect(checked.locator(".d360-number-row").first).to_be_hidden()  # closed until asked for
        checked.locator("summary").click()
        rows = checked.locator(".d360-number-row")
        expect(rows.locator(".d360-number")).to_have_text([number for number, _ in expected])
        for row, (_, where) in zip(rows.all(), expected, strict=True):
            expect(row.locator(".d360-number-where")).to_contain_text(where)
        expect(rows.nth(3)).to_have_attribute("data-kind", "unverified")
        expect(tab.locator(ANSWER).last.locator(".d360-ungrounded")).to_contain_text("95.3 million")
        checked.scroll_into_view_if_needed()
        screenshot(tab, name)

    check(tab, "numbers-checked")
    tab.reload()  # reopened: the check is stored with the answer
    expect(tab.get_by_label("Your question")).to_be_visible(timeout=TIMEOUT)
    check(tab, "numbers-checked-reopened")
    tab.emulate_media(color_scheme="dark")
    screenshot(tab, "numbers-checked-dark")


@pytest.mark.parametrize(
    ("status", "label", "detail"),
    [("too_long", "Too long", "length limit"), ("filtered", "Filtered", "content filter")],
)
def test_each_way_of_being_cut_short_is_labelled(
    chat_app: ChatApp, signed_in: Any, status: str, label: str, detail: str
):
    user_id, tab = signed_in

    async def seed(database: Database) -> uuid.UUID:
        async with database.session() as session:
            chat = await create_chat(session, user_id, "Cut short")
            await add_user_message(session, user_id, chat.id, CUT_QUESTION)
            answer = await start_answer(session, user_id, chat.id, "openai/scripted")
            assert answer.id is not None
            await update_message(session, user_id, answer.id, content=FIRST, status=status)
        return chat.id

    tab.goto(f"{chat_app.app.url}/?chat={chat_app.db(seed)}")
    notice = tab.locator(ANSWER).last.locator(".d360-cut-short")
    expect(notice.locator(".d360-ending")).to_have_text(label, timeout=TIMEOUT)
    expect(notice).to_contain_text(detail)
    expect(notice.get_by_role("button", name="Continue")).to_be_visible()
    expect(notice.get_by_role("button", name="Regenerate")).to_be_visible()
