"""Until the chat page's own loading events have run, nothing on it can be sent: the question box is read-only and
Send, the starter questions and the upload are disabled; once it has loaded they work. The page's events are held on
its websocket (Playwright routes it) so that the moment before loading can be looked at."""

from __future__ import annotations

import re
import uuid

from playwright.sync_api import Page, WebSocketRoute, expect

from tests.ui.conftest import TIMEOUT, ChatApp, app_module_fixture, screenshot

chat_app = app_module_fixture()


class HeldEvents:
    """Routes the page's event websocket to the server, holding what the page sends until `release`."""

    def __init__(self, page: Page) -> None:
        self.held: list[str | bytes] = []
        self.server: WebSocketRoute | None = None
        self.holding = True
        page.route_web_socket(re.compile(r"/_event"), self.route)

    def route(self, socket: WebSocketRoute) -> None:
        self.server = socket.connect_to_server()
        socket.on_message(self.from_page)

    def from_page(self, message: str | bytes) -> None:
        if self.holding:
            self.held.append(message)
        elif self.server is not None:
            self.server.send(message)

    def release(self) -> None:
        assert self.server is not None and self.held, "the page has connected and sent its first events"
        self.holding = False
        for message in self.held:
            self.server.send(message)
        self.held.clear()


def test_nothing_can_be_sent_before_the_chat_has_loaded(chat_app: ChatApp, signed_in: tuple[uuid.UUID, Page]) -> None:
    _, page = signed_in
    events = HeldEvents(page)
    page.reload()
    question = page.get_by_label("Your question")
    expect(question).to_be_visible(timeout=TIMEOUT)
    page.wait_for_timeout(500)  # the page has connected and would have loaded by now
    expect(page.locator(".d360-main")).to_have_attribute("aria-busy", "true")
    expect(question).not_to_be_editable()
    expect(page.get_by_role("button", name="Send")).to_be_disabled()
    for starter in page.locator(".d360-starter").all():
        expect(starter).to_be_disabled()
    expect(page.get_by_role("button", name="Upload a CSV file")).to_be_disabled()
    screenshot(page, "chat-loading")

    events.release()
    expect(page.locator(".d360-main")).to_have_attribute("aria-busy", "false", timeout=TIMEOUT)
    expect(question).to_be_editable()
    expect(page.locator(".d360-starter").first).to_be_enabled()
    expect(page.get_by_role("button", name="Upload a CSV file")).to_be_enabled()
    question.fill("How has Kenya's population grown since 2000?")
    page.get_by_role("button", name="Send").click()
    expect(page.locator(".d360-answer:not(.d360-streaming) .d360-md").last).to_contain_text("Kenya", timeout=TIMEOUT)
