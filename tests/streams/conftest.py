"""Fixtures for answer streams: runners over the test database, with or without a shared Redis."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from data360_chat.db.engine import Database
from data360_chat.mcp_client import McpHub
from data360_chat.repositories.chats import create_chat
from data360_chat.repositories.users import create_user
from data360_chat.streams import AnswerRunner
from tests.assistant.conftest import hub, llm, owner, scripted_settings  # noqa: F401  (fixtures)
from tests.support.scripted_llm import ScriptedLLM

MakeRunner = Callable[..., AnswerRunner]


@pytest.fixture
async def make_runner(llm: ScriptedLLM, database: Database, hub: McpHub) -> AsyncIterator[MakeRunner]:  # noqa: F811
    """Builds runners (replicas) over this test's database, the scripted model and the offline MCP server."""
    made: list[AnswerRunner] = []

    def build(*, redis_url: str | None = None, **options: Any) -> AnswerRunner:
        settings = scripted_settings(llm, redis_url=redis_url)
        runner = AnswerRunner(settings=settings, database=database, hub=hub, **options)
        made.append(runner)
        return runner

    yield build
    for runner in made:
        await runner.close()


@pytest.fixture
async def stranger(database: Database) -> tuple[uuid.UUID, uuid.UUID]:
    """Another user and their chat."""
    async with database.session() as session:
        user = await create_user(session, f"{uuid.uuid4().hex[:8]}@example.org")
        chat = await create_chat(session, user.id)
    return user.id, chat.id
