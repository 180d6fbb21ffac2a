"""The admin area in Chromium against the whole app: dashboards drawn from a history written with SQL, CSV and
chat exports, every action on accounts with its audit entry, and nothing at all for anyone but an admin."""

from __future__ import annotations

import csv
import io
import json
import re
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect

from data360_chat.ui.state.admin_usage import AdminUsageState
from data360_chat.ui.state.admin_users import AdminUsersState
from data360_chat.web.chat_export import export_filename
from tests.support.accounts import COOKIE_NAME
from tests.support.reflex_socket import ReflexSocket
from tests.support.usage_seed import SeededUsage, seed_usage
from tests.ui.admin_support import admin, demote_other_admins, holdings, member
from tests.ui.conftest import ARTIFACTS, PASSWORD, ChatApp, app_module_fixture, screenshot
from tests.ui.test_event_security import in_thread

chat_app = app_module_fixture()
TIMEOUT = 60_000
ADMIN_ADDRESSES = ("/admin", "/admin/", "/admin/users", "/admin/export/activity.csv", "/admin/export/models.csv")
TRACES = """(name) => document.querySelector(`#admin-chart-${name} .js-plotly-plot`).data
    .map((t) => ({name: t.name, x: t.x, y: t.y, labels: t.labels, values: t.values}))"""


@pytest.fixture(scope="module")
def seeded(chat_app: ChatApp) -> SeededUsage:
    return chat_app.db(seed_usage)


def _cookie_header(cookie: dict[str, Any]) -> dict[str, str]:
    return {"Cookie": f"{COOKIE_NAME}={cookie['value']}"}


def _csv(chat_app: ChatApp, cookie: dict[str, Any], name: str, query: str = "") -> list[dict[str, str]]:
    answer = httpx.get(f"{chat_app.app.url}/admin/export/{name}.csv{query}", headers=_cookie_header(cookie))
    assert answer.status_code == 200, answer.text[:200]
    assert answer.headers["content-type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(answer.text)))


def _on_day(traces: list[dict[str, Any]], name: str, day: str) -> Any:
    trace = next(t for t in traces if t["name"] == name)
    return trace["y"][trace["x"].index(day)]


def test_the_dashboards_draw_the_seeded_numbers(chat_app: ChatApp, seeded: SeededUsage) -> None:
    _, _, cookie = admin(chat_app)
    older, newer = seeded.days
    with chat_app.context(cookie, viewport={"width": 1400, "height": 1000}) as context:
        page = context.new_page()
        page.goto(chat_app.app.url + "/admin")
        expect(page.locator(".js-plotly-plot")).to_have_count(9, timeout=TIMEOUT)
        activity = page.evaluate(TRACES, "activity")
        assert _on_day(activity, "Questions", older) == 3 and _on_day(activity, "Questions", newer) == 3
        assert _on_day(activity, "Active users", older) == 1 and _on_day(activity, "Active users", newer) == 2
        timings = page.evaluate(TRACES, "timings")
        assert _on_day(timings, "First token p50", older) == 0.2
        assert _on_day(timings, "Answer p95", newer) == 5.9
        feedback = page.evaluate(TRACES, "feedback")
        assert _on_day(feedback, "Up", older) == 1 and _on_day(feedback, "Down", older) == -1
        countries = page.evaluate(TRACES, "countries")[0]
        assert dict(zip(countries["y"], countries["x"], strict=True)) == {"KEN": 3, "TZA": 1}
        statuses = page.evaluate(TRACES, "statuses")[0]
        assert dict(zip(statuses["labels"], statuses["values"], strict=True)) == {
            "Complete": 4,
            "Error": 1,
            "Cancelled": 1,
        }
        models = page.locator("#admin-models")
        expect(models).to_contain_text("3,000 + 600")
        expect(models).to_contain_text("$0.0135")
        expect(models).to_contain_text("offline model (free)")
        expect(models).to_contain_text("unknown")
        expect(page.locator("#admin-tools")).to_contain_text("data360_get_data")
        expect(page.locator("#admin-tools")).to_contain_text("1 (33%)")
        expect(page.locator("#admin-comments")).to_contain_text(seeded.comment)
        screenshot(page, "admin-usage-light")
        page.screenshot(path=str(ARTIFACTS / "admin-usage-full.png"), full_page=True)
        page.locator(".d360-comment", has_text=seeded.comment).get_by_role("button", name="View answer").click()
        expect(page.locator("#admin-review-answer")).to_contain_text("55.1 million")
        screenshot(page, "admin-review")
        page.get_by_role("button", name="Close").click()
        page.locator("input[name=start]").fill(older)
        page.locator("input[name=end]").fill(older)
        page.get_by_role("button", name="Show").click()
        expect(page.locator("#admin-kpis")).to_contain_text("3 answers", timeout=TIMEOUT)
        page.emulate_media(color_scheme="dark")
        page.goto(chat_app.app.url + "/admin")
        expect(page.locator(".js-plotly-plot")).to_have_count(9, timeout=TIMEOUT)
        screenshot(page, "admin-usage-dark")


def test_each_dashboard_downloads_as_csv(chat_app: ChatApp, seeded: SeededUsage) -> None:
    _, _, cookie = admin(chat_app)
    older, newer = seeded.days
    activity = {row["day"]: row for row in _csv(chat_app, cookie, "activity")}
    assert len(activity) == 30
    assert (activity[older]["questions"], activity[newer]["active_users"]) == ("3", "2")
    models = {row["model"]: row for row in _csv(chat_app, cookie, "models")}
    assert models["gpt-4o"]["prompt_tokens"] == "3000" and float(models["gpt-4o"]["cost_usd"]) == pytest.approx(0.0135)
    assert models["mystery/model-x"]["cost_usd"] == "unknown"
    assert _csv(chat_app, cookie, "countries", f"?start={older}&end={older}") == [
        {"country": "KEN", "calls": "3"},
        {"country": "TZA", "calls": "1"},
    ]
    assert [row["comment"] for row in _csv(chat_app, cookie, "comments")] == [seeded.comment]
    refused = httpx.get(
        f"{chat_app.app.url}/admin/export/activity.csv?start=31-01-2026", headers=_cookie_header(cookie)
    )
    assert refused.status_code == 400 and "2026-01-31" in refused.text
    assert httpx.get(f"{chat_app.app.url}/admin/export/nothing.csv", headers=_cookie_header(cookie)).status_code == 404


def test_a_chat_exports_for_its_owner_and_admins_only(chat_app: ChatApp) -> None:
    owner = member(chat_app)
    _, admin_email, admin_cookie = admin(chat_app)
    stranger = member(chat_app)
    base = f"{chat_app.app.url}/api/v1/chats/{owner.chat_id}/export"
    markdown = httpx.get(base + ".md", headers=_cookie_header(owner.cookie))
    assert markdown.status_code == 200 and markdown.headers["content-type"].startswith("text/markdown")
    assert markdown.text.startswith(f"# {owner.title}\n")
    assert "## Question\n\nWhich countries export the most rice?" in markdown.text
    assert "**India** exports the most." in markdown.text and "*Rated thumbs up: clear*" in markdown.text
    exported = httpx.get(base + ".json", headers={"Authorization": f"Bearer {owner.api_key}"}).json()
    assert exported["chat"]["title"] == owner.title
    assert [m["role"] for m in exported["messages"]] == ["user", "assistant"]
    assert exported["messages"][1]["rating"] == 1
    as_admin = httpx.get(base + ".json", headers=_cookie_header(admin_cookie))
    assert as_admin.status_code == 200 and json.loads(as_admin.text)["chat"]["title"] == owner.title
    for headers in (_cookie_header(stranger.cookie), {"Authorization": f"Bearer {stranger.api_key}"}):
        for extension in ("md", "json"):
            answer = httpx.get(f"{base}.{extension}", headers=headers)
            assert answer.status_code == 404 and owner.title not in answer.text
    assert httpx.get(base + ".md").status_code == 401
    with chat_app.context(admin_cookie) as context:
        page = context.new_page()
        page.goto(chat_app.app.url + "/admin/users")
        expect(page.locator("#admin-audit")).to_contain_text("exported a chat of", timeout=TIMEOUT)
        expect(page.locator(".d360-audit-row", has_text=owner.email)).to_contain_text(admin_email)
    with chat_app.context(owner.cookie) as context:
        page = context.new_page()
        page.goto(chat_app.app.url + "/")
        page.get_by_role("button", name=f"Actions for {owner.title}").click()
        with page.expect_download() as download:
            page.get_by_role("menuitem", name="Export as Markdown").click()
        assert download.value.url.endswith(f"/api/v1/chats/{owner.chat_id}/export.md")
        assert download.value.suggested_filename == export_filename(owner.title, "md")


def _act(page: Page, email: str, button: str, *, confirm: bool = False) -> None:
    page.get_by_label("Search accounts").fill(email)
    row = page.locator(".d360-account-row", has_text=email)
    expect(row).to_have_count(1, timeout=TIMEOUT)
    expect(page.locator(".d360-account-row")).to_have_count(1, timeout=TIMEOUT)
    row.get_by_role("button", name=f"{button} {email}").click()
    if confirm:
        expect(page.get_by_role("alertdialog")).to_contain_text(email)
        screenshot(page, f"admin-confirm-{button.lower()}")
        page.get_by_role("button", name="Confirm").click()


def test_every_action_on_accounts_works_and_is_audited(chat_app: ChatApp) -> None:
    admin_id, admin_email, cookie = admin(chat_app)
    target = member(chat_app)
    url = chat_app.app.url
    with chat_app.context(cookie, viewport={"width": 1400, "height": 1000}) as context:
        page = context.new_page()
        page.goto(url + "/admin/users")
        _act(page, target.email, "Make admin")
        expect(page.get_by_role("status")).to_contain_text(f"{target.email} is now an admin.", timeout=TIMEOUT)
        assert holdings(chat_app, target.user_id)["user"] == (True, True)
        _act(page, target.email, "Remove admin")
        expect(page.get_by_role("status")).to_contain_text("is no longer an admin", timeout=TIMEOUT)
        assert holdings(chat_app, target.user_id)["user"] == (False, True)

        with chat_app.context(target.cookie) as theirs:
            their_page = theirs.new_page()
            their_page.goto(url + "/account")
            expect(their_page.get_by_text(target.email)).to_be_visible(timeout=TIMEOUT)
            assert httpx.get(f"{url}/api/v1/me", headers={"Authorization": f"Bearer {target.api_key}"}).is_success
            _act(page, target.email, "Disable", confirm=True)
            expect(page.get_by_role("status")).to_contain_text("is disabled", timeout=TIMEOUT)
            after = holdings(chat_app, target.user_id)
            assert (after["user"], after["keys"], after["sessions"]) == ((False, False), 0, 0)
            assert (
                httpx.get(f"{url}/api/v1/me", headers={"Authorization": f"Bearer {target.api_key}"}).status_code == 401
            )
            assert httpx.get(f"{url}/api/v1/me", headers=_cookie_header(target.cookie)).status_code == 401
            their_page.get_by_role("button", name="Create key").click()
            expect(their_page).to_have_url(re.compile(r"/sign-in\?next=/account/?$"), timeout=TIMEOUT)
            their_page.get_by_label("Email").fill(target.email)
            their_page.get_by_label("Password").fill(PASSWORD)
            their_page.get_by_role("button", name="Sign in").click()
            expect(their_page.get_by_text("This account is disabled.")).to_be_visible(timeout=TIMEOUT)

        _act(page, target.email, "Enable")
        expect(page.get_by_role("status")).to_contain_text("can sign in again", timeout=TIMEOUT)
        _act(page, target.email, "Delete", confirm=True)
        expect(page.get_by_role("status")).to_contain_text("all their data were deleted", timeout=TIMEOUT)
        assert holdings(chat_app, target.user_id) == {
            "user": None,
            "chats": 0,
            "messages": 0,
            "keys": 0,
            "sessions": 0,
            "feedback": 0,
        }
        page.get_by_label("Search accounts").fill("")
        expect(page.locator(".d360-account-row", has_text=admin_email)).to_have_count(1, timeout=TIMEOUT)
        for action in ("made admin", "removed admin", "disabled", "enabled", "deleted"):
            row = page.locator(".d360-audit-row", has_text=action).filter(has_text=target.email)
            expect(row.first).to_contain_text(admin_email)
        screenshot(page, "admin-users")

        demote_other_admins(chat_app, keep=admin_id)
        page.reload()
        _act(page, admin_email, "Remove admin")
        expect(page.get_by_role("alert")).to_contain_text("is the last admin", timeout=TIMEOUT)
        _act(page, admin_email, "Disable", confirm=True)
        expect(page.get_by_role("alert")).to_contain_text("is the last admin", timeout=TIMEOUT)
        _act(page, admin_email, "Delete", confirm=True)
        expect(page.get_by_role("alert")).to_contain_text("is the last admin", timeout=TIMEOUT)
        assert holdings(chat_app, admin_id)["user"] == (True, True)


def test_anyone_but_an_admin_finds_nothing(chat_app: ChatApp, seeded: SeededUsage) -> None:
    ordinary = member(chat_app)
    for headers in ({}, _cookie_header(ordinary.cookie)):
        for address in ADMIN_ADDRESSES:
            answer = httpx.get(chat_app.app.url + address, headers=headers)
            assert answer.status_code == 404, (address, headers)
            assert "Page not found" in answer.text and seeded.emails[0] not in answer.text
    with chat_app.context(ordinary.cookie) as context:
        page = context.new_page()
        page.goto(chat_app.app.url + "/account")
        expect(page.get_by_text(ordinary.email)).to_be_visible(timeout=TIMEOUT)
        expect(page.locator("#admin-link")).to_have_count(0)
        page.evaluate("() => window.history.pushState({}, '', '/admin/users')")  # the app's own routing, no request
        page.evaluate("() => window.dispatchEvent(new PopStateEvent('popstate'))")
        expect(page.locator("#admin-not-found")).to_be_visible(timeout=TIMEOUT)

    async def events(cookie: str | None) -> str:
        async with ReflexSocket(chat_app.app.url, cookie=cookie, path="/admin") as tab:
            await tab.send(AdminUsageState, "load", path="/admin")
            await tab.send(AdminUsageState, "open_review", {"message_id": seeded.answer_id}, path="/admin")
            await tab.send(AdminUsersState, "load", path="/admin/users")
            await tab.send(AdminUsersState, "search", {"query": seeded.emails[0]}, path="/admin/users")
            await tab.settle()
            return tab.received_text()

    for cookie in (None, f"{COOKIE_NAME}={ordinary.cookie['value']}"):
        received = in_thread(events(cookie))
        assert seeded.emails[0] not in received and seeded.comment not in received and "55.1 million" not in received
