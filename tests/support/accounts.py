"""Accounts for tests: create a user with a password, and sign in to a running app for a session cookie.

    user_id = create_user(db_url, "ada@example.org", "correct horse battery")
    cookie = session_cookie(app.url, "ada@example.org", "correct horse battery")
    context.add_cookies([cookie])            # Playwright: the browser is now signed in

`session_cookie` signs in through the app's real `/auth/sign-in` route (so it works with sessions in PostgreSQL
or Redis); each failed attempt counts towards the sign-in rate limit like any other.
"""

from __future__ import annotations

import asyncio
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx

from data360_chat.auth.passwords import hash_password
from data360_chat.db.engine import Database
from data360_chat.repositories.users import create_user as insert_user

COOKIE_NAME = "d360_session"


async def create_user_async(
    database: Database, email: str, password: str, *, display_name: str = "", is_admin: bool = False
) -> uuid.UUID:
    """Add an account with this password to the database; returns its id."""
    password_hash = await hash_password(password)
    async with database.session() as session:
        user = await insert_user(
            session, email, display_name=display_name, password_hash=password_hash, is_admin=is_admin
        )
    return user.id


def create_user(
    database_url: str, email: str, password: str, *, display_name: str = "", is_admin: bool = False
) -> uuid.UUID:
    """`create_user_async` for synchronous tests (runs on its own event loop in a worker thread)."""

    async def create() -> uuid.UUID:
        database = Database(database_url)
        try:
            return await create_user_async(database, email, password, display_name=display_name, is_admin=is_admin)
        finally:
            await database.dispose()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, create()).result()


def session_cookie(app_url: str, email: str, password: str, *, cookie_name: str = COOKIE_NAME) -> dict[str, Any]:
    """Sign in through the running app; returns the session cookie in Playwright's `add_cookies` shape."""
    response = httpx.post(
        f"{app_url}/auth/sign-in",
        data={"email": email, "password": password},
        headers={"Origin": app_url},
        timeout=30,
    )
    token = response.cookies.get(cookie_name)
    if response.status_code != 303 or not token:
        raise RuntimeError(f"sign-in as {email} failed: {response.status_code} → {response.headers.get('location')}")
    return {"name": cookie_name, "value": token, "url": app_url, "httpOnly": True, "sameSite": "Lax"}
