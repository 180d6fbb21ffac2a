"""The app behind Debian's nginx running `deploy/nginx.conf`: one https origin, the websocket upgraded through the
proxy, `X-Forwarded-Proto` making the session cookie Secure, a limit on request bodies, and gzip. The app runs as
the README says to run it there: `PUBLIC_URL` set to the proxy's address, `TRUSTED_PROXY_HOPS=1`."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import expect

from data360_chat.settings import PROJECT_ROOT
from tests.deploy.nginx import Proxy, nginx
from tests.support.accounts import COOKIE_NAME, create_user
from tests.support.app_server import RunningApp, app_database, running_app
from tests.support.browser import chromium
from tests.support.net import free_port

pytestmark = pytest.mark.browser

ARTIFACTS = PROJECT_ROOT / "test-artifacts" / "deploy"
PASSWORD = "correct horse battery staple"
QUESTION = "How has life expectancy changed in India since 1990?"
TIMEOUT = 60_000
STREAMING_TEXT = """() => {
    const answer = document.querySelector(".d360-streaming");
    return answer ? (answer.querySelector(".d360-md")?.innerText ?? "") : null;
}"""
ANSWER = ".d360-answer:not(.d360-streaming)"


@dataclass(frozen=True)
class Proxied:
    app: RunningApp
    proxy: Proxy
    db_url: str


@pytest.fixture(scope="module")
def proxied(pg_url: str, template_db: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Proxied]:
    http_port, https_port = free_port(), free_port()
    env = {
        "DATA360_MCP_URL": "",
        "PUBLIC_URL": f"https://127.0.0.1:{https_port}",
        "TRUSTED_PROXY_HOPS": "1",
        "OFFLINE_MODEL_SPEED": "25",
    }
    prefix = tmp_path_factory.mktemp("nginx")
    with (
        app_database(pg_url, template_db) as db_url,
        running_app(db_url, env=env) as app,
        nginx(prefix, app.port, http_port, https_port) as proxy,
    ):
        yield Proxied(app, proxy, db_url)


def sign_in(proxied: Proxied, **headers: str) -> httpx.Response:
    """Sign a new account in through the proxy's https origin."""
    email = f"u{uuid.uuid4().hex[:10]}@example.org"
    create_user(proxied.db_url, email, PASSWORD)
    return httpx.post(
        f"{proxied.proxy.https_url}/auth/sign-in",
        data={"email": email, "password": PASSWORD},
        headers={"Origin": proxied.proxy.https_url, **headers},
        verify=False,
        timeout=30,
    )


def test_sign_up_and_a_streamed_answer_with_its_chart_through_the_proxy(proxied: Proxied) -> None:
    url = proxied.proxy.https_url
    with chromium() as browser:
        context = browser.new_context(ignore_https_errors=True, viewport={"width": 1280, "height": 860})
        page = context.new_page()
        page.goto(f"{url}/sign-up")
        page.get_by_label("Name").fill("Grace Hopper")
        page.get_by_label("Email").fill(f"g{uuid.uuid4().hex[:10]}@example.org")
        page.get_by_label("Password (at least 8 characters)").fill(PASSWORD)
        page.get_by_label("Repeat the password").fill(PASSWORD)
        page.get_by_role("button", name="Create account").click()
        expect(page.get_by_label("Your question")).to_be_visible(timeout=TIMEOUT)
        cookie = next(c for c in context.cookies() if c["name"] == COOKIE_NAME)
        assert cookie["secure"] and cookie["httpOnly"], "https at the proxy makes the session cookie Secure"

        page.get_by_label("Your question").fill(QUESTION)
        page.get_by_label("Your question").press("Enter")
        seen: list[str] = []
        expect(page.locator(".d360-streaming")).to_be_visible(timeout=TIMEOUT)
        while (text := page.evaluate(STREAMING_TEXT)) is not None and len(seen) < 400:
            if text.strip() and (not seen or text != seen[-1]):
                seen.append(text)
                if len(seen) == 3:
                    page.screenshot(path=str(screenshot_path("nginx-streaming")))
            page.wait_for_timeout(50)
        answer = page.locator(ANSWER).last
        expect(answer.locator(".d360-chart .main-svg").first).to_be_attached(timeout=TIMEOUT)
        expect(page.get_by_text("Cannot connect to server")).to_have_count(0)
        page.screenshot(path=str(screenshot_path("nginx-answer-with-chart")))
        assert len(seen) >= 3, f"the answer streamed in through the proxy (saw {len(seen)} states)"
        chat_id = re.search(r"chat=([0-9a-f-]+)", page.url)
        context.close()

    log = proxied.proxy.access_log()
    assert re.search(r'"GET /_event/\S* HTTP/1\.1" 101 ', log), "the websocket was upgraded by nginx"
    assert chat_id, "the chat page names its chat"
    messages = f"/api/v1/chats/{chat_id.group(1)}/messages"
    headers = {"Accept-Encoding": "gzip"}
    through_proxy = httpx.get(url + messages, headers=headers, cookies={COOKIE_NAME: cookie["value"]}, verify=False)
    direct = httpx.get(proxied.app.url + messages, headers=headers, cookies={COOKIE_NAME: cookie["value"]})
    assert through_proxy.status_code == direct.status_code == 200
    assert through_proxy.json() == direct.json()
    assert "content-encoding" not in direct.headers and through_proxy.headers["content-encoding"] == "gzip"


def screenshot_path(name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS / f"{name}.png"


def test_the_session_cookie_is_secure_whatever_the_client_claims(proxied: Proxied) -> None:
    response = sign_in(proxied, **{"X-Forwarded-Proto": "http"})  # replaced by nginx with the real scheme
    assert response.status_code == 303, response.text
    set_cookie = response.headers["set-cookie"]
    assert f"{COOKIE_NAME}=" in set_cookie and "Secure" in set_cookie and "HttpOnly" in set_cookie


def test_plain_http_is_sent_to_https(proxied: Proxied) -> None:
    response = httpx.get(f"{proxied.proxy.http_url}/sign-in?next=/", timeout=10)
    assert response.status_code == 301
    assert response.headers["location"] == f"{proxied.proxy.https_url}/sign-in?next=/"


def test_request_bodies_over_the_limit_stop_at_the_proxy(proxied: Proxied) -> None:
    body = {"email": "x@example.org", "password": "p" * (2 * 1024 * 1024)}
    response = httpx.post(
        f"{proxied.proxy.https_url}/auth/sign-in",
        data=body,
        headers={"Origin": proxied.proxy.https_url},
        verify=False,
        timeout=30,
    )
    assert response.status_code == 413
    assert "/auth/sign-in" not in Path(proxied.app.log_path).read_text(errors="replace")


def test_health_routes_through_the_proxy(proxied: Proxied) -> None:
    ready = httpx.get(f"{proxied.proxy.https_url}/readyz", verify=False, timeout=10)
    assert ready.status_code == 200 and ready.json()["status"] == "ready"


def test_metrics_reach_the_scraper_but_not_the_world(proxied: Proxied) -> None:
    outside = httpx.get(f"{proxied.proxy.https_url}/metrics", verify=False, timeout=10)
    assert outside.status_code == 404 and "d360_" not in outside.text
    direct = httpx.get(f"http://127.0.0.1:{proxied.app.port}/metrics", timeout=10)
    assert direct.status_code == 200 and "d360_connected_tabs" in direct.text
