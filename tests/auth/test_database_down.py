"""With PostgreSQL down, the API and the sign-in form say so (503) instead of failing with a bare server error."""

from __future__ import annotations

from pathlib import Path

import httpx

from data360_chat.auth.service import AuthService
from data360_chat.db.engine import Database
from data360_chat.web.app import build_web_app
from tests.auth.conftest import BASE_URL, CLIENT_IP, PASSWORD, make_settings
from tests.support.net import free_port


async def test_the_api_and_the_sign_in_form_answer_503_with_a_message(tmp_path: Path) -> None:
    database = Database(f"postgresql://app@127.0.0.1:{free_port()}/chat")  # nothing listens there
    service = AuthService(make_settings(tmp_path, database_url=database.url), database)
    transport = httpx.ASGITransport(
        app=build_web_app(lambda: service), raise_app_exceptions=False, client=(CLIENT_IP, 1)
    )
    try:
        async with httpx.AsyncClient(transport=transport, base_url=BASE_URL, headers={"Origin": BASE_URL}) as http:
            api = await http.get("/api/v1/chats", headers={"Authorization": "Bearer d360_abcdefgh_" + "x" * 43})
            assert api.status_code == 503, api.text
            assert api.json() == {
                "error": "unavailable",
                "message": "The database cannot be reached right now. Try again in a minute.",
            }
            form = await http.post("/auth/sign-in", data={"email": "ada@example.org", "password": PASSWORD})
            assert form.status_code == 503 and form.headers["content-type"].startswith("text/html")
            assert "The database cannot be reached right now" in form.text
    finally:
        await database.dispose()
