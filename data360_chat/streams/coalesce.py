"""Batches of an answer's events turned into updates sent at most every so often (about ten a second for a tab).

The pace slows down as more tabs follow answers in this process: past `FULL_PACE_FOLLOWERS`, the interval grows in
proportion, so the process sends about as many updates a second in all, each carrying more text, instead of falling
behind (every update costs a state change, a diff and a websocket message, whatever its size).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator, AsyncIterator

from data360_chat.assistant.events import AnswerEvent
from data360_chat.streams.state import AnswerUpdate, UpdateBuilder

Inbox = asyncio.Queue[list[AnswerEvent] | BaseException | None]

FULL_PACE_FOLLOWERS = 8
_following = 0


def paced(interval: float) -> float:
    """`interval` stretched for the number of tabs following answers in this process now."""
    return interval * max(1.0, _following / FULL_PACE_FOLLOWERS)


async def _read_into(inbox: Inbox, batches: AsyncGenerator[list[AnswerEvent], None]) -> None:
    """Move batches into the inbox as they come; then `None`, or the exception that ended them."""
    try:
        async with contextlib.aclosing(batches):
            async for batch in batches:
                inbox.put_nowait(batch)
    except Exception as exc:
        inbox.put_nowait(exc)
    else:
        inbox.put_nowait(None)


async def coalesced(batches: AsyncGenerator[list[AnswerEvent], None], interval: float) -> AsyncIterator[AnswerUpdate]:
    """The first batch (everything so far) as one update, then what follows at most every `interval` seconds.

    News after a quiet spell goes out at once; while events keep coming, what arrives within `interval` goes
    together. Ends with the update that carries `AnswerDone` (or when the batches end).
    """
    global _following
    loop = asyncio.get_running_loop()
    inbox: Inbox = asyncio.Queue()
    reader = asyncio.create_task(_read_into(inbox, batches))
    builder = UpdateBuilder()
    _following += 1
    try:
        first = await inbox.get()
        if first is None:
            return
        if isinstance(first, BaseException):
            raise first
        yield builder.first(first)
        flushed = float("-inf")  # the first news after the snapshot (often the first token) goes out at once
        ended = builder.snapshot.done is not None
        while not ended:
            items = [await inbox.get()]
            wait = flushed + paced(interval) - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
            while not inbox.empty():
                items.append(inbox.get_nowait())
            events: list[AnswerEvent] = []
            for item in items:
                if isinstance(item, BaseException):
                    raise item
                ended = ended or item is None
                events.extend(item or ())
            if events:
                yield builder.next(events)
                flushed = loop.time()
            ended = ended or builder.snapshot.done is not None
    finally:
        _following -= 1
        reader.cancel()
        await asyncio.gather(reader, return_exceptions=True)
