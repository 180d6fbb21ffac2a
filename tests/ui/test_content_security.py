"""The Content-Security-Policy lets only the site's own scripts run (no inline script it did not build, no `eval`),
and every page still works under it: Chromium reports no violation while people use the app."""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

from playwright.sync_api import Page, expect

from data360_chat.settings import Settings
from data360_chat.web.security_headers import headers_for
from tests.ui.conftest import ChatApp, app_module_fixture

chat_app = app_module_fixture()
TIMEOUT = 60_000
RECORD_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__violations.push(`${e.violatedDirective} ${e.blockedURI} ${e.sample}`);
});
"""


def violations(page: Page) -> list[str]:
    return page.evaluate("window.__violations")


def test_scripts_are_allowed_by_hash_only_and_https_gets_hsts(tmp_path: Path) -> None:
    (tmp_path / "index.html").write_text("<html><script>start()</script><script src='/a.js'></script></html>")
    http = dict(headers_for(Settings(_env_file=None), tmp_path))
    policy = http[b"content-security-policy"].decode()
    scripts = re.search(r"script-src ([^;]*)", policy)
    assert scripts is not None
    digest = base64.b64encode(hashlib.sha256(b"start()").digest()).decode()
    assert scripts.group(1).split() == ["'self'", f"'sha256-{digest}'"]
    assert b"strict-transport-security" not in http
    https = dict(headers_for(Settings(_env_file=None, public_url="https://chat.example.org"), tmp_path))
    assert https[b"strict-transport-security"].startswith(b"max-age=")


def test_the_pages_work_without_inline_script_or_eval(chat_app: ChatApp) -> None:
    _, cookie = chat_app.user()
    context = chat_app.context(cookie)
    context.add_init_script(RECORD_VIOLATIONS)
    page = context.new_page()
    response = page.goto(chat_app.app.url + "/")
    assert response is not None
    policy = response.headers["content-security-policy"]
    assert "'unsafe-inline'" not in re.search(r"script-src [^;]*", policy).group(0)  # type: ignore[union-attr]
    assert "'unsafe-eval'" not in policy

    page.get_by_label("Your question").fill("Population of Kenya since 2000")
    page.get_by_label("Your question").press("Enter")
    expect(page.locator(".d360-answer:not(.d360-streaming) .js-plotly-plot")).to_have_count(1, timeout=TIMEOUT)
    page.get_by_role("button", name="Good answer").click()
    expect(page.get_by_text("Thanks for the feedback.")).to_be_visible()
    assert violations(page) == []

    page.goto(chat_app.app.url + "/account")
    page.get_by_label("Name of the new key").fill("nightly report")
    page.get_by_role("button", name="Create key").click()
    expect(page.locator("#new-api-key")).to_contain_text("d360_")
    assert violations(page) == []
    context.close()
