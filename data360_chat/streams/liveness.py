"""Answers kept alive while their replica runs, and answers left behind by a replica that stopped.

Every `heartbeat_interval` seconds each replica touches its streaming answers; any answer nobody touched for
`stale_after` seconds is stored as an error with its partial text (its replica stopped mid-answer).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta

from data360_chat.db.engine import Database
from data360_chat.db.models import utcnow
from data360_chat.repositories import NotFound
from data360_chat.repositories.messages import interrupt_stale_answers, update_message
from data360_chat.streams.log import AnswerLog

log = logging.getLogger(__name__)

HEARTBEAT_INTERVAL = 5.0  # seconds between two "still running" marks on this replica's answers
STALE_AFTER = 30.0  # an answer not marked for this long is taken as left behind by a stopped replica


class Liveness:
    """One replica's heartbeat over its answers, and the sweep of answers nobody keeps alive."""

    def __init__(self, database: Callable[[], Database], *, heartbeat_interval: float, stale_after: float) -> None:
        self._database = database
        self.heartbeat_interval = heartbeat_interval
        self.stale_after = stale_after

    async def mark_alive(self, answers: list[AnswerLog]) -> list[AnswerLog]:
        """Touch these streaming answers; the ones whose chat was deleted meanwhile (to be stopped)."""
        gone = []
        if not answers:
            return gone
        async with self._database().session() as session:
            for answer in answers:
                try:
                    await update_message(session, answer.user_id, answer.started.message_id)
                except NotFound:
                    gone.append(answer)
        return gone

    async def interrupt_stale(self) -> None:
        """Store answers nobody marked for `stale_after` seconds as errors."""
        async with self._database().session() as session:
            count = await interrupt_stale_answers(
                session, not_updated_since=utcnow() - timedelta(seconds=self.stale_after)
            )
        if count:
            log.warning("marked %d answers left streaming by a stopped server as interrupted", count)
