"""Sliding-window limits, counted before the work they guard: in this process, or in Redis for every replica.

    limit = AttemptLimit(windows, limit=5, window=60, scope="sign_in")
    taken = await limit.take("account:ada@example.org", "ip:192.0.2.1")   # RateLimited when a key is full
    ...                                                                  # the guarded work
    await limit.give_back(taken)                                         # only for attempts that must not count

Taking is atomic (one Lua script in Redis; one synchronous step in process), so parallel requests cannot all pass
the check before any of them is counted. A refused attempt is not counted, and says how long until a slot frees.
When Redis fails, counting goes on in process (each replica then counts on its own) until Redis answers again.
Each refusal counts in `d360_rate_limit_refusals_total` under the limit's scope.
"""

from __future__ import annotations

import logging
import math
import time
import uuid
from collections import deque
from collections.abc import Callable
from typing import Protocol

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from data360_chat.observability.metrics import rate_limit_refused

log = logging.getLogger(__name__)

REDIS_TIMEOUT = 1.0  # seconds a limit waits for Redis before counting in process


class RateLimited(Exception):
    """The limit is reached; `retry_after` says in how many seconds the next attempt can pass."""

    def __init__(self, retry_after: float) -> None:
        super().__init__(f"rate limited for {retry_after:.0f} s")
        self.retry_after = max(1, math.ceil(retry_after))


class Windows(Protocol):
    """Attempts per key over a sliding window."""

    async def take(self, key: str, *, limit: int, window: float) -> tuple[str | None, float]:
        """Count one attempt now unless the key has `limit` within `window` seconds.

        Returns the attempt's id (None when refused) and, when refused, the seconds until the oldest one expires.
        """
        ...

    async def give_back(self, key: str, attempt: str) -> None:
        """Forget a counted attempt."""
        ...


class MemoryWindows:
    """Attempts kept in this process."""

    MAX_KEYS = 100_000

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._attempts: dict[str, deque[tuple[float, str]]] = {}
        self._clock = clock

    def _forget_quiet_keys(self, now: float, window: float) -> None:
        for key in [k for k, times in self._attempts.items() if not times or times[-1][0] <= now - window]:
            del self._attempts[key]

    async def take(self, key: str, *, limit: int, window: float) -> tuple[str | None, float]:
        now = self._clock()
        if len(self._attempts) >= self.MAX_KEYS:  # under a flood, forget the keys that went quiet
            self._forget_quiet_keys(now, window)
        attempts = self._attempts.setdefault(key, deque())
        while attempts and attempts[0][0] <= now - window:
            attempts.popleft()
        if len(attempts) >= limit:
            return None, attempts[0][0] + window - now
        attempt = uuid.uuid4().hex
        attempts.append((now, attempt))
        return attempt, 0.0

    async def give_back(self, key: str, attempt: str) -> None:
        attempts = self._attempts.get(key)
        if attempts:
            self._attempts[key] = deque(entry for entry in attempts if entry[1] != attempt)


# Redis's own clock, so that replicas whose clocks differ (or that read them before a slow round trip) agree.
TAKE_SCRIPT = """
local time = redis.call('TIME')
local now = tonumber(time[1]) + tonumber(time[2]) / 1000000
local window, limit = tonumber(ARGV[1]), tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) >= limit then
  local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  return {0, tostring(tonumber(oldest[2]) + window - now)}
end
redis.call('ZADD', KEYS[1], now, ARGV[3])
redis.call('EXPIRE', KEYS[1], math.ceil(window) + 1)
return {1, '0'}
"""


class RedisWindows:
    """Attempts in Redis sorted sets, shared by every replica; in process while Redis fails."""

    PREFIX = "d360:limit:"

    def __init__(self, client: aioredis.Redis) -> None:
        self.redis = client
        self._script = client.register_script(TAKE_SCRIPT)
        self._fallback = MemoryWindows()
        self._failing = False

    def _failed(self, exc: RedisError) -> None:
        if not self._failing:
            log.warning("Redis is unavailable for rate limits (%s); counting in this process until it returns", exc)
        self._failing = True

    async def take(self, key: str, *, limit: int, window: float) -> tuple[str | None, float]:
        attempt = uuid.uuid4().hex
        try:
            taken, wait = await self._script(keys=[self.PREFIX + key], args=[window, limit, attempt])
        except RedisError as exc:
            self._failed(exc)
            return await self._fallback.take(key, limit=limit, window=window)
        if self._failing:
            log.warning("Redis answers again; rate limits are shared by every replica again")
            self._failing = False
        return (attempt if int(taken) else None), float(wait)

    async def give_back(self, key: str, attempt: str) -> None:
        try:
            await self.redis.zrem(self.PREFIX + key, attempt)
        except RedisError as exc:
            self._failed(exc)
        await self._fallback.give_back(key, attempt)


def windows_for(client: aioredis.Redis | None) -> Windows:
    """Redis windows with a client, else in-process ones."""
    return RedisWindows(client) if client is not None else MemoryWindows()


def windows_at(url: str | None, *, timeout: float = REDIS_TIMEOUT) -> Windows:
    """Windows in the Redis at `url` (a server that does not answer within `timeout` s counts as failing), else
    in-process ones."""
    return windows_for(
        aioredis.Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout) if url else None
    )


class AttemptLimit:
    """At most `limit` attempts per key within `window` seconds; `scope` names the limit in the metrics."""

    def __init__(self, windows: Windows, *, limit: int, window: float, scope: str) -> None:
        self.windows = windows
        self.limit = limit
        self.window = window
        self.scope = scope

    async def take(self, *keys: str) -> list[tuple[str, str]]:
        """Count one attempt against every key, or none of them and `RateLimited` if any key is full."""
        taken: list[tuple[str, str]] = []
        for key in keys:
            attempt, wait = await self.windows.take(key, limit=self.limit, window=self.window)
            if attempt is None:
                await self.give_back(taken)
                rate_limit_refused(self.scope)
                raise RateLimited(wait)
            taken.append((key, attempt))
        return taken

    async def give_back(self, taken: list[tuple[str, str]]) -> None:
        """Forget attempts that must not count (a sign-in that succeeded)."""
        for key, attempt in taken:
            await self.windows.give_back(key, attempt)
