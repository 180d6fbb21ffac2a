"""Helpers for the admin area's browser tests: admins, someone's chat with a key and a rating, database reads."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from data360_chat.auth.api_keys import create_api_key
from data360_chat.db.engine import Database
from data360_chat.db.models import ApiKey, AuthSession, Chat, Feedback, Message, User
from data360_chat.repositories.chats import create_chat
from data360_chat.repositories.feedback import set_feedback
from data360_chat.repositories.messages import add_user_message, start_answer, update_message
from tests.support.accounts import create_user, session_cookie
from tests.ui.conftest import PASSWORD, ChatApp


def admin(chat_app: ChatApp) -> tuple[uuid.UUID, str, dict[str, Any]]:
    """A new admin account: its id, email and session cookie."""
    email = f"admin-{uuid.uuid4().hex[:8]}@example.org"
    user_id = create_user(chat_app.db_url, email, PASSWORD, is_admin=True)
    return user_id, email, session_cookie(chat_app.app.url, email, PASSWORD)


@dataclass(frozen=True)
class Member:
    """An ordinary account with a chat, a rated answer and an API key."""

    user_id: uuid.UUID
    email: str
    cookie: dict[str, Any]
    chat_id: uuid.UUID
    title: str
    api_key: str


def member(chat_app: ChatApp) -> Member:
    """A new ordinary account holding a chat of one question and a rated answer, and an API key."""
    email = f"member-{uuid.uuid4().hex[:8]}@example.org"
    user_id = create_user(chat_app.db_url, email, PASSWORD)
    title = f"Rice exports {uuid.uuid4().hex[:6]}"

    async def seed(database: Database) -> tuple[uuid.UUID, str]:
        async with database.session() as session:
            chat = await create_chat(session, user_id, title)
            await add_user_message(session, user_id, chat.id, "Which countries export the most rice?")
            answer = await start_answer(session, user_id, chat.id, "gpt-4o")
            assert answer.id is not None
            await update_message(session, user_id, answer.id, content="**India** exports the most.", status="complete")
            await set_feedback(session, user_id, answer.id, rating=1, comment="clear")
        key = await create_api_key(database, user_id, "script")
        return chat.id, key.secret

    chat_id, secret = chat_app.db(seed)
    return Member(user_id, email, session_cookie(chat_app.app.url, email, PASSWORD), chat_id, title, secret)


def holdings(chat_app: ChatApp, user_id: uuid.UUID) -> dict[str, Any]:
    """What the account holds: the row itself, chats, messages, live keys, sessions, feedback."""

    async def read(database: Database) -> dict[str, Any]:
        async with database.session() as session:
            user = await session.get(User, user_id)
            owned = select(Chat.id).where(Chat.user_id == user_id)

            async def count(*where: Any) -> int:
                return await session.scalar(select(func.count()).where(*where)) or 0

            return {
                "user": (user.is_admin, user.is_active) if user is not None else None,
                "chats": await count(Chat.user_id == user_id),
                "messages": await count(Message.chat_id.in_(owned)),
                "keys": await count(ApiKey.user_id == user_id, ApiKey.revoked_at.is_(None)),
                "sessions": await count(AuthSession.user_id == user_id),
                "feedback": await count(Feedback.user_id == user_id),
            }

    return chat_app.db(read)


def demote_other_admins(chat_app: ChatApp, keep: uuid.UUID) -> None:
    """Leave `keep` the only admin."""

    async def work(database: Database) -> None:
        async with database.session() as session:
            for user in (await session.execute(select(User).where(User.is_admin, User.id != keep))).scalars():
                user.is_admin = False

    chat_app.db(work)
