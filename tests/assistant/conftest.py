"""Fixtures for the assistant: the scripted model server, the offline MCP server and its client, a chat."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest

from data360_chat.db.engine import Database
from data360_chat.repositories.chats import create_chat
from data360_chat.repositories.users import create_user
from data360_chat.settings import Settings
from tests.support.scripted_llm import ScriptedLLM


@pytest.fixture
async def llm() -> AsyncIterator[ScriptedLLM]:
    """A scripted OpenAI-compatible server; set its replies with `llm.set_script([...])`."""
    async with ScriptedLLM() as server:
        yield server


def scripted_settings(server: ScriptedLLM, **overrides: object) -> Settings:
    """Settings that send the model through LiteLLM's OpenAI path to the scripted server, with short waits."""
    values: dict[str, object] = {
        "llm_model": "openai/scripted",
        "llm_api_base": server.url,
        "llm_api_key": "test-key",
        "llm_first_chunk_timeout": 3.0,
        "llm_chunk_gap_timeout": 2.0,
        "llm_answer_deadline": 30.0,
    }
    values.update(overrides)
    return Settings(**values)


@pytest.fixture(scope="session")
async def hub(offline_mcp_url: str) -> AsyncIterator[Any]:
    """The app's MCP client connected to the offline server."""
    from data360_chat.mcp_client import McpHub

    connected = McpHub(Settings(data360_mcp_url=offline_mcp_url))
    await connected.start()
    yield connected
    await connected.close()


@pytest.fixture
async def owner(database: Database) -> tuple[uuid.UUID, uuid.UUID]:
    """A user and one of their chats: `(user_id, chat_id)`."""
    async with database.session() as session:
        user = await create_user(session, f"{uuid.uuid4().hex[:8]}@example.org")
        chat = await create_chat(session, user.id)
    return user.id, chat.id
