"""A streamed answer resumed on another replica: two API processes over one database, sharing answers through Redis
or (without Redis) reading them from the database. The event ids hold whichever way the answer is followed."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from data360_chat.auth.api_keys import create_api_key
from data360_chat.db.engine import Database
from data360_chat.repositories.users import create_user
from tests.support.api_server import api_server
from tests.support.app_server import app_database
from tests.support.scripted_llm import Reply, ScriptedLLM, Text, many_words
from tests.web.conftest import api_environment, events_of, read_sse, text_of


@pytest.fixture(scope="module", params=["redis", "database"])
def replicas(
    request: pytest.FixtureRequest,
    pg_url: str,
    template_db: str,
    offline_mcp_url: str,
    redis_url: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[str, str, str, ScriptedLLM]]:
    """Two replicas' URLs, their database and the model they share."""
    data_dir: Path = tmp_path_factory.mktemp("replicas")
    with ScriptedLLM.in_thread() as llm, app_database(pg_url, template_db) as db_url:
        env = {
            **api_environment(db_url, data_dir, offline_mcp_url, llm),
            **({"REDIS_URL": redis_url} if request.param == "redis" else {}),
        }
        with api_server(env) as first, api_server(env) as second:
            yield first, second, db_url, llm


async def test_a_stream_dropped_on_one_replica_resumes_on_the_other_without_repeating_text(replicas):
    first, second, db_url, llm = replicas
    database = Database(db_url)
    try:
        async with database.session() as session:
            user = await create_user(session, f"{uuid.uuid4().hex[:10]}@example.org")
        key = (await create_api_key(database, user.id, "script")).secret
    finally:
        await database.dispose()
    final = "Across replicas. " + many_words(150)
    llm.set_script([Reply(steps=(Text(final, per_chunk=6),), chunk_delay=0.02)])
    headers = {"Authorization": f"Bearer {key}"}
    async with httpx.AsyncClient(headers=headers, timeout=30) as http:
        async with http.stream("POST", f"{first}/api/v1/ask", json={"question": "Go", "stream": True}) as response:
            head = events_of(
                await read_sse(response, until=lambda seen: sum(s.event.endswith(".delta") for s in seen) >= 5)
            )
        message_id = head[0].data["message_id"]
        resume = {"Last-Event-ID": head[-1].id}
        async with http.stream("GET", f"{second}/api/v1/ask/{message_id}/events", headers=resume) as response:
            assert response.status_code == 200
            rest = events_of(await read_sse(response))
    assert text_of(head) + text_of(rest) == final
    assert "response.created" not in [item.event for item in rest]
    assert rest[-1].event == "response.completed" and rest[-1].data["answer"] == final
