"""Fixtures for the JSON API: the app's HTTP routes served by their own process over a database of this module, the
offline MCP server and a scripted model; people with API keys; a reader of Server-Sent Events."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from data360_chat.auth.api_keys import create_api_key
from data360_chat.db.engine import Database
from data360_chat.repositories.users import create_user
from tests.support.api_server import api_server
from tests.support.app_server import app_database
from tests.support.scripted_llm import ScriptedLLM

MAX_MESSAGE_CHARS = 300
HEARTBEAT_SECONDS = 0.3


@dataclass(frozen=True)
class Api:
    """The running API and what it answers with."""

    url: str
    db_url: str
    llm: ScriptedLLM


@dataclass
class Person:
    """An account with an API key, and an HTTP client that sends it."""

    user_id: uuid.UUID
    http: httpx.AsyncClient


@dataclass
class Sse:
    """One event, or a comment line (`comment` set)."""

    event: str = ""
    id: str = ""
    data: Any = None
    comment: str = ""
    fields: dict[str, str] = field(default_factory=dict)


def api_environment(db_url: str, data_dir: Path, mcp_url: str, llm: ScriptedLLM) -> dict[str, str]:
    """The API's settings over `db_url`, with the MCP server at `mcp_url` and the scripted model."""
    return {
        "DATABASE_URL": db_url,
        "DATA_DIR": str(data_dir),
        "SECRET_KEY": "test-secret-key",
        "DATA360_MCP_URL": mcp_url,
        "LLM_MODEL": "openai/scripted",
        "LLM_API_BASE": llm.url,
        "LLM_API_KEY": "test-key",
    }


def api_fixture(**env: str) -> Callable[..., Iterator[Api]]:
    """A module-scoped fixture: the API over a database of its own, the offline MCP server, a scripted model."""

    @pytest.fixture(scope="module")
    def api(pg_url: str, template_db: str, offline_mcp_url: str, tmp_path_factory: pytest.TempPathFactory):
        data_dir: Path = tmp_path_factory.mktemp("api-data")
        with ScriptedLLM.in_thread() as llm, app_database(pg_url, template_db) as db_url:
            settings = {
                **api_environment(db_url, data_dir, offline_mcp_url, llm),
                "LLM_RETRIES": "0",
                "MAX_MESSAGE_CHARS": str(MAX_MESSAGE_CHARS),
                "SSE_HEARTBEAT_SECONDS": str(HEARTBEAT_SECONDS),
                **env,
            }
            with api_server(settings) as url:
                yield Api(url, db_url, llm)

    return api


@pytest.fixture
async def api_db(api: Api) -> AsyncIterator[Database]:
    """The API's database, for checking what it stored."""
    database = Database(api.db_url)
    yield database
    await database.dispose()


@pytest.fixture
async def new_person(api: Api, api_db: Database) -> AsyncIterator[Callable[[], Any]]:
    """Makes accounts, each with an API key and a client sending it."""
    clients: list[httpx.AsyncClient] = []

    async def make() -> Person:
        async with api_db.session() as session:
            user = await create_user(session, f"{uuid.uuid4().hex[:10]}@example.org")
        key = await create_api_key(api_db, user.id, "script")
        http = httpx.AsyncClient(base_url=api.url, headers={"Authorization": f"Bearer {key.secret}"}, timeout=30)
        clients.append(http)
        return Person(user.id, http)

    yield make
    for http in clients:
        await http.aclose()


async def read_sse(response: httpx.Response, until: Callable[[list[Sse]], bool] | None = None) -> list[Sse]:
    """The events and comments of a response, until it ends (or `until(events so far)` is true)."""
    found: list[Sse] = []
    fields: dict[str, str] = {}
    async for line in response.aiter_lines():
        if line.startswith(":"):
            found.append(Sse(comment=line))
            continue
        if line:
            name, _, value = line.partition(":")
            fields[name] = value.removeprefix(" ")
            continue
        if not fields:
            continue
        found.append(
            Sse(fields.get("event", ""), fields.get("id", ""), json.loads(fields.get("data", "null")), "", fields)
        )
        fields = {}
        if until is not None and until(found):
            break
    return found


def events_of(found: list[Sse]) -> list[Sse]:
    """The events, without comment lines."""
    return [item for item in found if not item.comment]


def text_of(found: list[Sse]) -> str:
    """The answer text the deltas carry."""
    return "".join(item.data["delta"] for item in found if item.event == "response.output_text.delta")
