"""Answers kept alive while their replica runs, and answers left behind by a replica that stopped.

Every `heartbeat_interval` seconds each replica touches its streaming answers; any answer nobody touched for
`stale_after` seconds is stored as an error with its partial text (its replica stopped mid-answer): with Redis, the
text its stream carried, which goes beyond the last save (every 2 s).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable
from datetime import timedelta

from data360_chat.db.engine import Database
from data360_chat.db.models import utcnow
from data360_chat.repositories import NotFound
from data360_chat.repositories.messages import interrupt_stale_answers, stale_answers, update_message
from data360_chat.streams.log import AnswerLog

log = logging.getLogger(__name__)

HEARTBEAT_INTERVAL = 5.0  # seconds between two "still running" marks on this replica's answers
STALE_AFTER = 30.0  # an answer not marked for this long is taken as left behind by a stopped replica


class Liveness:
    """One replica's heartbeat over its answers, and the sweep of answers nobody keeps alive."""

    def __init__(
        self,
        database: Callable[[], Database],
        *,
        heartbeat_interval: float,
        stale_after: float,
        heard: Callable[[uuid.UUID, int], Awaitable[str | None]] | None = None,
    ) -> None:
        """`heard(chat_id, message_id)`: the text other replicas heard of an answer (its Redis stream), if any."""
        self._database = database
        self.heartbeat_interval = heartbeat_interval
        self.stale_after = stale_after
        self._heard = heard

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
        """Store answers nobody marked for `stale_after` seconds as errors, with the text heard after their last
        save when there is more of it."""
        since = utcnow() - timedelta(seconds=self.stale_after)
        texts: dict[int, str] = {}
        if self._heard is not None:
            async with self._database().session() as session:
                stale = await stale_answers(session, not_updated_since=since)
            for message_id, chat_id, saved in stale:
                heard = await self._heard(chat_id, message_id)
                if heard and len(heard) > len(saved) and heard.startswith(saved):
                    texts[message_id] = heard
        async with self._database().session() as session:
            count = await interrupt_stale_answers(session, not_updated_since=since, texts=texts)
        if count:
            log.warning("marked %d answers left streaming by a stopped server as interrupted", count)
