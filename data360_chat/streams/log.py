"""The events of one answer running in this process, kept in order so any number of followers can read them."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

from data360_chat.assistant.events import AnswerDone, AnswerEvent, AnswerStarted


class AnswerLog:
    """An append-only list of an answer's events; readers keep their own position in it."""

    def __init__(self, user_id: uuid.UUID, started: AnswerStarted) -> None:
        self.user_id = user_id
        self.started = started
        self.events: list[AnswerEvent] = [started]
        self._grown = asyncio.Event()

    @property
    def finished(self) -> bool:
        """Whether the answer's last event (`AnswerDone`) is in."""
        return isinstance(self.events[-1], AnswerDone)

    def append(self, event: AnswerEvent) -> None:
        """Add an event and wake every reader."""
        self.extend([event])

    def extend(self, events: list[AnswerEvent]) -> None:
        """Add events and wake every reader."""
        self.events.extend(events)
        self._grown.set()
        self._grown = asyncio.Event()

    async def wait_beyond(self, position: int) -> None:
        """Return once the log holds more than `position` events."""
        while len(self.events) <= position:
            await self._grown.wait()

    async def batches(self, position: int = 0) -> AsyncIterator[list[AnswerEvent]]:
        """Everything from `position` as one batch, then each new batch as it comes, until `AnswerDone`."""
        while True:
            batch = self.events[position:]
            position = len(self.events)
            yield batch
            if isinstance(batch[-1], AnswerDone):
                return
            await self.wait_beyond(position)
