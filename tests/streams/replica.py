"""A replica in its own process: starts one answer, prints its message id, and runs until it is killed.

python -m tests.streams.replica DB_URL REDIS_URL LLM_URL USER_ID CHAT_ID QUESTION
"""

from __future__ import annotations

import asyncio
import sys
import uuid

from data360_chat.db.engine import Database
from data360_chat.settings import Settings
from data360_chat.streams import AnswerRunner


async def serve(
    db_url: str, redis_url: str, llm_url: str, mcp_url: str, user_id: str, chat_id: str, question: str
) -> None:
    settings = Settings(
        llm_model="openai/scripted",
        llm_api_base=llm_url,
        llm_api_key="test-key",
        redis_url=redis_url,
        data360_mcp_url=mcp_url,
    )
    runner = AnswerRunner(settings=settings, database=Database(db_url))  # with the process-wide MCP hub
    started = await runner.start(uuid.UUID(user_id), uuid.UUID(chat_id), question)
    print(started.message_id, flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(serve(*sys.argv[1:8]))
