"""Every event handler of every state, sent over a real websocket by someone who does not own the data.

The browser can send any event to any handler with any arguments. Each handler is called signed out and as another
user, with the victim's ids (user, chat, message, key) in every argument and in the page address; nothing of the
victim's may come back and nothing of theirs may change. A handler added later is enumerated and tested too.
"""

from __future__ import annotations

import asyncio
import inspect
import time
import uuid
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx
import pytest
import reflex as rx
from sqlalchemy import func, select

from data360_chat.auth.api_keys import create_api_key
from data360_chat.db.engine import Database
from data360_chat.db.models import ApiKey, AuthSession, Chat, Feedback, Message, Upload, User
from data360_chat.repositories.charts import add_chart
from data360_chat.repositories.chats import create_chat
from data360_chat.repositories.messages import add_user_message, start_answer, update_message
from data360_chat.repositories.uploads import add_upload
from data360_chat.ui import app as _app  # noqa: F401  (registers every page and state)
from data360_chat.ui.state.account import AccountState
from data360_chat.ui.state.admin_usage import AdminUsageState
from data360_chat.ui.state.admin_users import AdminUsersState
from data360_chat.ui.state.chat import ChatState
from data360_chat.ui.state.chat_actions import ChatActions
from data360_chat.ui.state.sidebar import SidebarState
from data360_chat.ui.state.stream import StreamState
from data360_chat.ui.state.uploads import UploadState
from tests.support.accounts import COOKIE_NAME
from tests.support.reflex_socket import ReflexSocket
from tests.ui.conftest import PASSWORD, ChatApp, app_module_fixture

chat_app = app_module_fixture()
T = TypeVar("T")
Event = tuple[type[rx.State], str, dict[str, Any]]


def in_thread(work: Coroutine[Any, Any, T]) -> T:
    """Run `work` on its own event loop in a worker thread (the browser fixtures hold this thread's loop)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, work).result()


@dataclass(frozen=True)
class Victim:
    """Someone's account with a chat, an answer with a chart, and an API key."""

    user_id: uuid.UUID
    cookie: str
    email: str
    chat_id: uuid.UUID
    answer_id: int
    key_id: uuid.UUID
    upload_id: uuid.UUID
    secrets: tuple[str, ...]  # text that only the victim may ever receive


def make_victim(chat_app: ChatApp) -> Victim:
    """A new account holding data whose every piece of text is unique to it (an uploaded file too)."""
    mark = uuid.uuid4().hex[:10]
    user_id, cookie = chat_app.user()
    title, question, answer = f"Budget plans {mark}", f"What about zqx{mark} growth?", f"Private answer {mark}"

    async def seed(database: Database) -> tuple[uuid.UUID, int, uuid.UUID, str, str]:
        async with database.session() as session:
            chat = await create_chat(session, user_id, title)
            await add_user_message(session, user_id, chat.id, question)
            reply = await start_answer(session, user_id, chat.id, "offline")
            assert reply.id is not None
            await update_message(session, user_id, reply.id, content=answer, status="complete")
            await add_chart(
                session,
                user_id,
                reply.id,
                title=f"Chart {mark}",
                figure={"data": [], "layout": {}},
                data=[{"country": f"Land{mark}", "year": 2000, "value": 1.5}],
                source={"name": f"Indicator {mark}"},
            )
            user = await session.get(User, user_id)
            assert user is not None
            upload = await add_upload(
                session,
                user_id,
                filename=f"ledger-{mark}.csv",
                summary={
                    "series": [
                        {
                            "key": "s1",
                            "name": f"Series {mark}",
                            "countries": ["Kenya"],
                            "first_year": 2020,
                            "last_year": 2020,
                            "points": 1,
                        }
                    ]
                },
                points=[["s1", "KEN", "Kenya", 2020, 1.5]],
                chat_id=chat.id,
            )
        key = await create_api_key(database, user_id, f"key-{mark}")
        return chat.id, reply.id, key.id, upload.id, key.secret, user.email

    chat_id, answer_id, key_id, upload_id, secret, email = chat_app.db(seed)
    secrets = (
        email, title, question, answer, f"Chart {mark}", f"Land{mark}", f"key-{mark}", secret[:12],
        f"ledger-{mark}", f"Series {mark}",
    )  # fmt: skip
    cookie_header = f"{COOKIE_NAME}={cookie['value']}"
    return Victim(user_id, cookie_header, email, chat_id, answer_id, key_id, upload_id, secrets)


def counts(chat_app: ChatApp, victim: Victim) -> dict[str, Any]:
    """What an attacker could change: the victim's chats (titles), messages, feedback, keys, uploads and account."""

    async def read(database: Database) -> dict[str, Any]:
        async with database.session() as session:
            chats = list((await session.execute(select(Chat.title).where(Chat.user_id == victim.user_id))).scalars())
            messages = await session.scalar(select(func.count()).where(Message.chat_id == victim.chat_id))
            feedback = await session.scalar(select(func.count()).select_from(Feedback))
            keys = await session.scalar(
                select(func.count()).where(ApiKey.user_id == victim.user_id, ApiKey.revoked_at.is_(None))
            )
            user = await session.get(User, victim.user_id)
            assert user is not None
            uploads = await session.scalar(select(func.count()).where(Upload.user_id == victim.user_id))
        return {
            "uploads": uploads,
            "chats": sorted(chats),
            "messages": messages,
            "feedback": feedback,
            "keys": keys,
            "user": (user.email, user.display_name, user.password_hash, user.is_admin, user.is_active),
        }

    return chat_app.db(read)


def every_state() -> list[type[rx.State]]:
    """Every state class in the app's tree, Reflex's own included."""
    found, pending = [], [rx.State]
    while pending:
        state_class = pending.pop()
        found.append(state_class)
        pending.extend(state_class.get_substates())
    return found


def argument_for(name: str, annotation: str, victim: Victim) -> Any:
    """The most dangerous plausible value for a handler's argument: one of the victim's ids."""
    form = {
        "question": f"as {victim.user_id}",
        "title": "renamed by someone else",
        "message_id": str(victim.answer_id),
        "rating": "-1",
        "comment": "not mine",
        "name": "stolen",
        "chat_id": str(victim.chat_id),
        "user_id": str(victim.user_id),
        "key_id": str(victim.key_id),
        "upload_id": str(victim.upload_id),
        "current_password": PASSWORD,
        "new_password": "attacker-password-1",
        "new_password_confirm": "attacker-password-1",
    }
    lowered = f"{name}:{annotation}".lower()
    if "form" in name or "dict" in lowered:
        return form
    if "bool" in lowered:
        return True
    if "message_id" in lowered or "int" in lowered:
        return victim.answer_id
    if "key_id" in lowered:
        return str(victim.key_id)
    if "upload" in lowered:
        return str(victim.upload_id)
    if "user" in lowered:
        return str(victim.user_id)
    if name == "action":
        return "delete"
    if name == "var_name":
        return "chat_id"
    if "list" in lowered:
        return [str(victim.chat_id)]
    return str(victim.chat_id)


def every_event(victim: Victim) -> list[Event]:
    """Each handler of each state with arguments naming the victim's data."""
    events = []
    for state_class in every_state():
        for name, handler in state_class.event_handlers.items():
            parameters = list(inspect.signature(handler.fn).parameters.values())[1:]
            payload = {
                p.name: argument_for(p.name, str(p.annotation), victim)
                for p in parameters
                if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
            }
            events.append((state_class, name, payload))
    return events


def test_the_enumeration_reaches_every_handler_of_the_app(chat_app: ChatApp) -> None:
    victim = make_victim(chat_app)
    names = {f"{state.__name__}.{name}" for state, name, _ in every_event(victim)}
    for state_class in (
        ChatActions,
        ChatState,
        SidebarState,
        StreamState,
        AccountState,
        AdminUsageState,
        AdminUsersState,
        UploadState,
    ):
        assert {f"{state_class.__name__}.{name}" for name in state_class.event_handlers} <= names
    assert "ChatActions.load" in names and "AccountState.create_key" in names and "AdminUsersState.act" in names
    assert "UploadState.remove" in names


async def send_all(chat_app: ChatApp, victim: Victim, cookie: str | None, events: list[Event]) -> str:
    """The events, from a tab on the victim's chat page; what that tab received."""
    async with ReflexSocket(chat_app.app.url, cookie=cookie, path=f"/?chat={victim.chat_id}") as tab:
        for state_class, name, payload in events:
            await tab.send(state_class, name, payload)
        await tab.settle(quiet=1.5, longest=60)
        return tab.received_text()


@pytest.mark.parametrize("signed_in", [False, True], ids=["signed-out", "another-user"])
def test_no_handler_gives_away_or_changes_another_users_data(chat_app: ChatApp, signed_in: bool) -> None:
    victim = make_victim(chat_app)
    before = counts(chat_app, victim)
    cookie = None
    if signed_in:
        _, attacker_cookie = chat_app.user()
        cookie = f"{COOKIE_NAME}={attacker_cookie['value']}"
    received = in_thread(send_all(chat_app, victim, cookie, every_event(victim)))
    leaked = [secret for secret in victim.secrets if secret in received]
    assert not leaked, f"the victim's data reached another tab: {leaked}"
    assert counts(chat_app, victim) == before


async def open_owner_tab(chat_app: ChatApp, victim: Victim) -> tuple[str, str]:
    """The victim's tab on the account page: a new key created, a chat opened; then closed. Its token and secret."""
    async with ReflexSocket(chat_app.app.url, cookie=victim.cookie, path="/account") as owner:
        await owner.send(AccountState, "load", path="/account")
        await owner.send(AccountState, "create_key", {"form": {"name": "deploy script"}}, path="/account")
        await owner.send(ChatActions, "load", path=f"/?chat={victim.chat_id}")
        await owner.settle()
        secret = owner.delta_values(AccountState).get("new_key_secret", "")
        assert secret.startswith("d360_"), "the owner is shown the new key once"
        assert victim.secrets[1] in owner.received_text(), "the owner sees their own chats"
    return owner.token, secret


async def reconnect(chat_app: ChatApp, token: str, cookie: str | None) -> str:
    """What a page reconnecting with `token` (and `cookie`) receives."""
    async with ReflexSocket(chat_app.app.url, cookie=cookie, token=token, path="/account") as tab:
        await tab.settle()
        return tab.received_text()


def test_a_closed_tabs_state_goes_to_nobody_who_reconnects_with_its_token(chat_app: ChatApp) -> None:
    victim = make_victim(chat_app)
    _, other_cookie = chat_app.user()
    for cookie in (None, f"{COOKIE_NAME}={other_cookie['value']}", "d360_session=forged-token"):
        token, secret = in_thread(open_owner_tab(chat_app, victim))
        received = in_thread(reconnect(chat_app, token, cookie))
        leaked = [text for text in (*victim.secrets, secret) if text in received]
        assert not leaked, f"a reconnect with the closed tab's token ({cookie!r}) received: {leaked}"


def test_the_owner_reconnecting_gets_the_page_back_but_never_the_key_secret(chat_app: ChatApp) -> None:
    victim = make_victim(chat_app)
    token, secret = in_thread(open_owner_tab(chat_app, victim))
    received = in_thread(reconnect(chat_app, token, victim.cookie))
    assert victim.secrets[1] in received, "the owner's own tab state is kept"
    assert secret not in received, "a key's secret is not kept in the stored state"


def test_a_tab_whose_session_ended_is_dropped(chat_app: ChatApp) -> None:
    victim = make_victim(chat_app)
    token, _ = in_thread(open_owner_tab(chat_app, victim))

    async def end_sessions(database: Database) -> None:
        async with database.session() as session:
            await session.execute(AuthSession.__table__.delete().where(AuthSession.user_id == victim.user_id))

    chat_app.db(end_sessions)
    received = in_thread(reconnect(chat_app, token, victim.cookie))
    leaked = [text for text in victim.secrets if text in received]
    assert not leaked, f"a tab whose session ended still received: {leaked}"


def test_a_flood_of_questions_from_one_tab_starts_only_the_answers_allowed(chat_app: ChatApp) -> None:
    user_id, cookie = chat_app.user()

    async def flood() -> str:
        async with ReflexSocket(chat_app.app.url, cookie=f"{COOKIE_NAME}={cookie['value']}") as tab:
            for n in range(30):
                await tab.send(ChatActions, "load", path="/")
                await tab.send(ChatActions, "ask", {"text": f"Population of Kenya, take {n}"})
            await tab.settle(quiet=1.0, longest=30)
            return tab.received_text()

    received = in_thread(flood())

    async def answers(database: Database) -> tuple[int, list[Message]]:
        async with database.session() as session:
            chats = await session.scalar(select(func.count()).where(Chat.user_id == user_id))
            owned = select(Chat.id).where(Chat.user_id == user_id)
            query = select(Message).where(Message.role == "assistant", Message.chat_id.in_(owned))
            return chats or 0, list((await session.execute(query)).scalars())

    deadline = time.monotonic() + 60
    chats, written = chat_app.db(answers)
    while any(m.status == "streaming" for m in written) and time.monotonic() < deadline:
        time.sleep(0.5)
        chats, written = chat_app.db(answers)
    assert "answers being written" in received, "refused questions are told why"
    assert chats == len(written), "a refused question leaves no chat behind"
    moments = sorted([(m.created_at, 1) for m in written] + [(m.updated_at, -1) for m in written])
    running = [sum(step for _, step in moments[: index + 1]) for index in range(len(moments))]
    assert max(running) <= 3, f"{max(running)} answers were written at once"


def test_bodies_that_are_too_big_or_too_deep_get_a_clear_json_answer(chat_app: ChatApp) -> None:
    victim = make_victim(chat_app)

    async def new_key(database: Database) -> str:
        return (await create_api_key(database, victim.user_id, "edges")).secret

    headers = {"Authorization": f"Bearer {chat_app.db(new_key)}", "Content-Type": "application/json"}
    deep = "[" * 100_000 + "]" * 100_000
    with httpx.Client(base_url=chat_app.app.url, headers=headers, timeout=60) as http:
        for method, path in (("PATCH", f"/api/v1/chats/{victim.chat_id}"), ("PUT", "/api/v1/messages/1/feedback")):
            answer = http.request(method, path, content=deep)
            assert answer.status_code == 400 and "message" in answer.json(), (path, answer.text[:200])
        answer = http.patch(f"/api/v1/chats/{victim.chat_id}", content=b"{" + b" " * (50 * 1024 * 1024) + b"}")
        assert answer.status_code == 413 and answer.json()["error"] == "too_large"
        chunked = http.patch(f"/api/v1/chats/{victim.chat_id}", content=iter([b" " * 65536] * 40))
        assert chunked.status_code == 413
        page = http.post("/auth/sign-in", content=b"x" * (2 * 1024 * 1024), headers={"Content-Type": "text/plain"})
        assert page.status_code == 413 and page.headers["content-type"].startswith("text/html")
    assert counts(chat_app, victim)["chats"] == [victim.secrets[1]]
