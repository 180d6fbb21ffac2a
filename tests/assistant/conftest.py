"""Fixtures for the assistant: a scripted model server on loopback and settings that point LiteLLM at it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

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
