"""Uploading a CSV on the chat page in Chromium: the preview, a question about it answered by the offline model,
the chart beside Data360 data and the "your upload" source; bad files refused with a reason; delete."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from data360_chat.db.engine import Database
from data360_chat.db.models import Upload
from tests.ui.conftest import TIMEOUT, ChatApp, app_module_fixture, screenshot

chat_app = app_module_fixture(OFFLINE_MODEL_SPEED="400")

FILES = Path(__file__).parent.parent / "uploads" / "files"
FILE_INPUT = "#csv-upload input[type=file]"
ANSWER = ".d360-answer:not(.d360-streaming)"


def uploads_of(chat_app: ChatApp, user_id: uuid.UUID) -> list[Upload]:
    """The user's uploads, oldest first."""

    async def read(database: Database) -> list[Upload]:
        async with database.session() as session:
            query = select(Upload).where(Upload.user_id == user_id).order_by(Upload.created_at)
            return list((await session.execute(query)).scalars())

    return chat_app.db(read)


def test_an_upload_is_previewed_then_asked_about_charted_with_data360_and_cited(
    chat_app: ChatApp, signed_in: tuple[uuid.UUID, Page]
) -> None:
    user_id, page = signed_in
    page.locator(FILE_INPUT).set_input_files(str(FILES / "clinics.csv"))
    preview = page.locator(".d360-upload-preview")
    expect(preview).to_be_visible(timeout=TIMEOUT)
    expect(preview).to_contain_text("16 rows · 3 columns · utf-8 · comma-separated")
    roles = preview.locator(".d360-column-role")
    expect(roles).to_have_text(["country·Country", "year·Year", "Clinics per 100k people·Values"])
    expect(preview).to_contain_text("Clinics per 100k people · Kenya, Uganda · 2015–2022 · 16 values")
    expect(preview.locator("tbody tr")).to_have_count(5)
    screenshot(page, "upload-preview")

    page.get_by_label("Your question").fill("Compare my upload with the population of Kenya")
    page.get_by_label("Your question").press("Enter")
    answer = page.locator(ANSWER).last
    expect(answer).to_be_visible(timeout=TIMEOUT)
    expect(answer.locator(".d360-md")).to_contain_text("from your upload clinics.csv", timeout=TIMEOUT)
    expect(answer.locator(".d360-chart .main-svg").first).to_be_attached(timeout=TIMEOUT)
    expect(answer.locator(".d360-chart .legendtext")).to_have_text(["Kenya · Data360", "Kenya · your upload"])
    expect(answer.locator(".d360-upload-source")).to_have_text("Your upload: clinics.csv · Clinics per 100k people")
    expect(preview).to_have_count(0)
    answer.scroll_into_view_if_needed()
    screenshot(page, "upload-answer")
    page.emulate_media(color_scheme="dark")
    expect(page.locator("html.dark")).to_have_count(1)
    page.get_by_role("button", name="Preview clinics.csv").click()
    expect(page.locator(".d360-upload-preview")).to_be_visible()
    screenshot(page, "dark-upload-preview")
    page.emulate_media(color_scheme="light")

    [stored] = uploads_of(chat_app, user_id)
    chat_id = re.search(r"chat=([0-9a-f-]+)", page.url)
    assert chat_id and str(stored.chat_id) == chat_id.group(1), "the upload joined the chat of the question"

    page.reload()
    expect(page.get_by_role("button", name="Preview clinics.csv")).to_be_visible(timeout=TIMEOUT)
    page.get_by_role("button", name="Delete upload clinics.csv").click()
    expect(page.get_by_role("button", name="Preview clinics.csv")).to_have_count(0, timeout=TIMEOUT)
    assert uploads_of(chat_app, user_id) == []


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("no-numbers.csv", "No column of numbers was found"),
        ("schools-utf16le-nobom.csv", None),
        ("binary.csv", "could not be read as text"),
        ("report.xlsx", "Only CSV files can be used (.csv, .tsv, .txt); “report.xlsx” is not one."),
    ],
)
def test_a_file_that_cannot_be_used_says_why_and_keeps_nothing(
    chat_app: ChatApp, signed_in: tuple[uuid.UUID, Page], name: str, reason: str | None
) -> None:
    user_id, page = signed_in
    page.locator(FILE_INPUT).set_input_files(str(FILES / name))
    if reason is None:  # a good file, for contrast: UTF-16 without a byte-order mark, one column per year
        expect(page.locator(".d360-upload-preview")).to_contain_text("utf-16-le", timeout=TIMEOUT)
        return
    expect(page.locator(".d360-notice")).to_contain_text(reason, timeout=TIMEOUT)
    expect(page.locator(".d360-upload-preview")).to_have_count(0)
    if name == "no-numbers.csv":
        screenshot(page, "upload-refused")
    assert uploads_of(chat_app, user_id) == []


def test_a_file_over_the_size_limit_is_refused_before_it_is_sent(
    chat_app: ChatApp, signed_in: tuple[uuid.UUID, Page]
) -> None:
    user_id, page = signed_in
    big = b"country,year,value\n" + b"Kenya,2020,1.5\n" * 400_000  # 6 MB
    page.locator(FILE_INPUT).set_input_files({"name": "big.csv", "mimeType": "text/csv", "buffer": big})
    expect(page.locator(".d360-notice")).to_contain_text(
        "“big.csv” is larger than 5 MB, the largest file accepted", timeout=TIMEOUT
    )
    assert uploads_of(chat_app, user_id) == []


def test_the_upload_route_refuses_anyone_without_a_live_session(chat_app: ChatApp) -> None:
    _, cookie = chat_app.user()
    files = {"files": ("clinics.csv", (FILES / "clinics.csv").read_bytes(), "text/csv")}
    headers = {"Reflex-Client-Token": str(uuid.uuid4()), "Reflex-Event-Handler": "no.such.handler"}
    with httpx.Client(base_url=chat_app.app.url, timeout=30) as http:
        for sent in ({}, {"Cookie": f"{cookie['name']}=forged-token"}):
            refused = http.post("/_upload", files=files, headers={**headers, **sent})
            assert refused.status_code == 401 and refused.json()["message"] == "Sign in to upload files."
        passed_on = http.post(
            "/_upload", files=files, headers={**headers, "Cookie": f"{cookie['name']}={cookie['value']}"}
        )
        assert passed_on.status_code == 400 and "no.such.handler" in passed_on.text, "Reflex itself answers"
