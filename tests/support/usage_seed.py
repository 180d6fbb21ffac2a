"""A small, known history of use written straight into the database with SQL, for the admin dashboards' tests.

Two days inside the default range (yesterday and the day before) and one day outside it (40 days ago).
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any

from sqlalchemy import text

from data360_chat.db.engine import Database

OFFLINE = "data360-offline/analyst"


@dataclass(frozen=True)
class SeededUsage:
    """What was written: the people and the days, for checking the dashboards against."""

    emails: tuple[str, str, str]
    days: tuple[str, str]  # the two days inside the range, oldest first
    comment: str
    answer_id: int
    chat_id: uuid.UUID


def _at(days_ago: int, hour: int = 12) -> datetime:
    return datetime.combine(datetime.now(UTC).date() - timedelta(days=days_ago), time(hour), UTC)


async def seed_usage(database: Database) -> SeededUsage:
    """Write the history (each call with new people and a new comment)."""
    mark = uuid.uuid4().hex[:8]
    emails = (f"alice-{mark}@example.org", f"bob-{mark}@example.org", f"carol-{mark}@example.org")
    async with database.session() as session:

        async def one(sql: str, **params: Any) -> Any:
            return (await session.execute(text(sql), params)).scalar_one()

        people = [
            await one(
                "INSERT INTO users (id, email, is_admin, is_active) VALUES (:id, :email, false, true) RETURNING id",
                id=uuid.uuid4(),
                email=email,
            )
            for email in emails
        ]
        chats = [
            await one(
                "INSERT INTO chats (id, user_id, title) VALUES (:id, :user, :title) RETURNING id",
                id=uuid.uuid4(),
                user=person,
                title=f"Seeded chat {n}",
            )
            for n, person in enumerate(people)
        ]

        async def turn(
            chat: uuid.UUID,
            days_ago: int,
            status: str,
            model: str,
            tokens: tuple[int, int] | None,
            timing: tuple[int, int],
            grounding: tuple[float, int] | None,
        ) -> int:
            moment = _at(days_ago)
            await one(
                "INSERT INTO messages (chat_id, role, content, status, created_at) "
                "VALUES (:chat, 'user', 'How many people live in Kenya?', 'complete', :at) RETURNING id",
                chat=chat,
                at=moment,
            )
            return await one(
                "INSERT INTO messages (chat_id, role, content, status, model, prompt_tokens, completion_tokens, "
                "first_token_ms, latency_ms, grounded_share, numbers_checked, created_at) VALUES (:chat, 'assistant', "
                "'Kenya had 55.1 million people in 2023.', :status, :model, :prompt, :completion, :first, :latency, "
                ":share, :checked, :at) RETURNING id",
                chat=chat,
                status=status,
                model=model,
                prompt=tokens[0] if tokens else None,
                completion=tokens[1] if tokens else None,
                first=timing[0],
                latency=timing[1],
                share=grounding[0] if grounding else None,
                checked=grounding[1] if grounding else None,
                at=moment + timedelta(seconds=5),
            )

        alice, bob, carol = chats
        answers = [
            await turn(alice, 2, "complete", "gpt-4o", (1000, 200), (100, 1000), (1.0, 4)),
            await turn(alice, 2, "complete", "gpt-4o", (1000, 200), (200, 2000), (0.5, 2)),
            await turn(alice, 2, "error", OFFLINE, None, (300, 3000), None),
            await turn(alice, 1, "complete", OFFLINE, (10, 20), (400, 4000), None),
            await turn(bob, 1, "cancelled", "mystery/model-x", (500, 50), (500, 5000), None),
            await turn(bob, 1, "complete", "gpt-4o", (1000, 200), (600, 6000), None),
        ]
        for _ in range(5):
            await turn(carol, 40, "complete", "gpt-4o", (9999, 9999), (9999, 99999), (0.0, 9))
        calls = [
            (
                answers[0],
                "data360_get_data",
                {"indicator_id": "WB_WDI_SP_POP_TOTL", "disaggregation_filters": {"REF_AREA": "KEN,TZA"}},
                "ok",
                100,
            ),
            (
                answers[1],
                "data360_get_data",
                {"indicator_id": "WB_WDI_SP_POP_TOTL", "disaggregation_filters": {"REF_AREA": "KEN"}},
                "ok",
                200,
            ),
            (answers[3], "data360_get_data", {"indicator_id": "WB_WDI_NY_GDP_MKTP_CD"}, "error", 300),
            (answers[5], "data360_search_indicators", {"query": "population", "required_country": "ken"}, "ok", 50),
        ]
        for message, tool, arguments, status, duration in calls:
            await session.execute(
                text(
                    "INSERT INTO tool_calls (message_id, tool_name, arguments, status, duration_ms, created_at) "
                    "VALUES (:m, :tool, CAST(:args AS jsonb), :status, :ms, :at)"
                ),
                {
                    "m": message,
                    "tool": tool,
                    "args": json.dumps(arguments),
                    "status": status,
                    "ms": duration,
                    "at": _at(2),
                },
            )
        comment = f"Wrong year in this answer {mark}"
        ratings = [
            (answers[0], people[0], 1, "", 2),
            (answers[1], people[0], -1, comment, 2),
            (answers[5], people[1], 1, "", 1),
        ]
        for message, person, rating, words, days_ago in ratings:
            await session.execute(
                text(
                    "INSERT INTO feedback (message_id, user_id, rating, comment, created_at) "
                    "VALUES (:m, :u, :r, :c, :at)"
                ),
                {"m": message, "u": person, "r": rating, "c": words, "at": _at(days_ago, 13)},
            )
    days = (_at(2).date().isoformat(), _at(1).date().isoformat())
    return SeededUsage(emails, days, comment, answers[1], alice)
