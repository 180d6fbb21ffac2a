"""Counting failed sign-ins per account and per IP over a sliding minute, in process or in Redis."""

from __future__ import annotations

import time
import uuid
from collections import deque
from collections.abc import Callable
from typing import Protocol

import redis.asyncio as aioredis

WINDOW_SECONDS = 60.0


class FailureCounter(Protocol):
    """Failures per key over the last `WINDOW_SECONDS`."""

    async def recent(self, key: str) -> int:
        """How many failures the key had within the window."""
        ...

    async def add(self, key: str) -> None:
        """Record one failure now."""
        ...


class MemoryFailureCounter:
    """Failures kept in this process (one server process, no Redis)."""

    MAX_KEYS = 100_000

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._failures: dict[str, deque[float]] = {}
        self._clock = clock

    def _trimmed(self, key: str, now: float) -> deque[float]:
        times = self._failures.get(key)
        if times is None:
            return deque()
        while times and times[0] <= now - WINDOW_SECONDS:
            times.popleft()
        if not times:
            del self._failures[key]
        return times

    async def recent(self, key: str) -> int:
        return len(self._trimmed(key, self._clock()))

    async def add(self, key: str) -> None:
        now = self._clock()
        if len(self._failures) >= self.MAX_KEYS:  # under a flood, forget the keys that went quiet
            for stale in [k for k, t in self._failures.items() if not t or t[-1] <= now - WINDOW_SECONDS]:
                del self._failures[stale]
        self._trimmed(key, now)
        self._failures.setdefault(key, deque()).append(now)


class RedisFailureCounter:
    """Failures in Redis sorted sets, shared by every server process."""

    PREFIX = "d360:signin-failures:"

    def __init__(self, client: aioredis.Redis, clock: Callable[[], float] = time.time) -> None:
        self.redis = client
        self._clock = clock

    async def recent(self, key: str) -> int:
        name = self.PREFIX + key
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.zremrangebyscore(name, "-inf", self._clock() - WINDOW_SECONDS)
            pipe.zcard(name)
            _, count = await pipe.execute()
        return int(count)

    async def add(self, key: str) -> None:
        name, now = self.PREFIX + key, self._clock()
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.zadd(name, {f"{now}:{uuid.uuid4().hex[:8]}": now})
            pipe.expire(name, int(WINDOW_SECONDS) + 1)
            await pipe.execute()


class SignInLimiter:
    """Refuses sign-in attempts once an account or an IP had more than `limit` failures in the last minute."""

    def __init__(self, counter: FailureCounter, limit: int) -> None:
        self.counter = counter
        self.limit = limit

    @staticmethod
    def _keys(email: str, ip: str) -> list[str]:
        return [f"account:{email}", f"ip:{ip or 'unknown'}"]

    async def blocked(self, email: str, ip: str) -> bool:
        """Whether attempts for this account or from this IP are refused right now."""
        for key in self._keys(email, ip):
            if await self.counter.recent(key) >= self.limit:
                return True
        return False

    async def failed(self, email: str, ip: str) -> None:
        """Record a failed attempt against both the account and the IP."""
        for key in self._keys(email, ip):
            await self.counter.add(key)
