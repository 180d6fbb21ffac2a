"""`python -m data360_chat ask`: the real command, with the offline model and its own offline MCP server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid

import asyncpg
import pytest

from data360_chat.settings import PROJECT_ROOT
from tests.assistant.test_answer_endings import ENDINGS, PARTIAL
from tests.support.scripted_llm import ScriptedLLM
from tests.support.wdi import rows

QUESTION = "Population of Kenya since 2000"


def ask(*arguments: str, **environment: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "OFFLINE_MODEL_SPEED": "1000", **environment}
    env.pop("DATA360_MCP_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "data360_chat", "ask", *arguments],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )


def kenya_population_text() -> str:
    latest = max(rows("SP.POP.TOTL", ("KEN",)), key=lambda row: row.year)
    return f"{latest.value:,.0f}"


def test_json_answer_with_sources_charts_tools_and_grounding() -> None:
    done = ask(QUESTION, "--json")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["status"] == "complete" and result["offline"] is True
    assert kenya_population_text() in result["answer"]
    assert [source["indicator_id"] for source in result["sources"]] == ["WB_WDI_SP_POP_TOTL"]
    assert result["charts"] and result["charts"][0]["points"] == len(rows("SP.POP.TOTL", ("KEN",), (2000, 3000)))
    assert {call["name"] for call in result["tool_calls"]} >= {"data360_search_indicators", "data360_get_data"}
    assert all(call["ok"] for call in result["tool_calls"])
    assert result["grounded_share"] == 1.0
    assert result["number_checks"] and {check["kind"] for check in result["number_checks"]} <= {"data", "derived"}
    assert kenya_population_text() in {check["text"] for check in result["number_checks"]}
    assert result["usage"]["prompt_tokens"] > 0 and result["usage"]["completion_tokens"] > 0
    assert result["chat_id"] is None


async def test_nothing_is_stored_without_save(db_url: str) -> None:
    done = ask(QUESTION, "--json", DATABASE_URL=db_url)
    assert done.returncode == 0, done.stderr
    connection = await asyncpg.connect(db_url)
    try:
        counts = [await connection.fetchval(f"SELECT count(*) FROM {table}") for table in ("users", "messages")]
    finally:
        await connection.close()
    assert counts == [0, 0]


def test_streamed_answer_on_stdout_and_steps_on_stderr() -> None:
    done = ask(QUESTION)
    assert done.returncode == 0, done.stderr
    assert kenya_population_text() in done.stdout and "Sources:" in done.stdout
    assert "→ data360_get_data" in done.stderr and "offline model" in done.stderr


def test_an_empty_question_is_refused() -> None:
    done = ask("   ")
    assert done.returncode == 2
    assert "empty" in done.stderr.lower()


async def test_save_stores_the_chat(db_url: str) -> None:
    done = ask(QUESTION, "--json", "--save", DATABASE_URL=db_url)
    assert done.returncode == 0, done.stderr
    chat_id = json.loads(done.stdout)["chat_id"]
    connection = await asyncpg.connect(db_url)
    try:
        stored = await connection.fetch(
            "SELECT role, status FROM messages WHERE chat_id = $1 ORDER BY id", uuid.UUID(chat_id)
        )
    finally:
        await connection.close()
    assert [(row["role"], row["status"]) for row in stored] == [("user", "complete"), ("assistant", "complete")]


@pytest.mark.parametrize("status", list(ENDINGS))
def test_an_unfinished_answer_keeps_its_text_and_says_why(status: str) -> None:
    with ScriptedLLM.in_thread([ENDINGS[status]]) as llm:
        done = ask(QUESTION, "--json", LLM_MODEL="openai/scripted", LLM_API_BASE=llm.url, LLM_API_KEY="test-key")
    assert done.returncode == 3, done.stderr
    result = json.loads(done.stdout)
    assert (result["status"], result["answer"]) == (status, PARTIAL) and "error" not in result
