"""Results of read-only tools reused for a while: the same server, tool and arguments give the same answer.

    cache = result_cache_for(settings)            # Redis with `REDIS_URL` (every replica), else in this process
    result = await cache.through("data360", "data360_get_data", arguments, lambda: connection.call(...))

Only tools of the allow-list (`TOOL_CACHE_TOOLS`) are cached, only their successful results, for
`TOOL_CACHE_SECONDS`. The key is a hash of the server, the tool and the arguments normalised (keys in order,
surrounding spaces and arguments given as `null` dropped), so equivalent calls share it. A cached result is the
result as the server gave it; hits and misses are counted (`counts`, and the metric
`d360_cache_lookups_total{cache="tool_result"}`). When Redis fails, the cache carries on in
this process until Redis answers again; a cache that fails never fails a call.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from typing import Any, Protocol

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from data360_chat.mcp_client.attachments import Attachment
from data360_chat.mcp_client.results import Observation, ToolResult
from data360_chat.observability.metrics import cache_lookup
from data360_chat.settings import Settings

log = logging.getLogger(__name__)

REDIS_PREFIX = "d360:tool-result:"
REDIS_TIMEOUT = 1.0  # seconds the cache waits for Redis before going on without it


def _stripped(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(key): _stripped(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_stripped(item) for item in value]
    return value.strip() if isinstance(value, str) else value


def normalised(arguments: dict[str, Any]) -> dict[str, Any]:
    """Arguments as compared: those given as `null` left out (the tool's default), strings without surrounding
    spaces (keys are sorted when the key is made)."""
    return {str(key): _stripped(value) for key, value in arguments.items() if value is not None}


def cache_key(server: str, tool: str, arguments: dict[str, Any]) -> str:
    """The hash that names a call's result."""
    text = json.dumps(normalised(arguments), sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(f"{server}\0{tool}\0{text}".encode()).hexdigest()


def encode(result: ToolResult) -> str:
    """A result as JSON."""
    return json.dumps(asdict(result), ensure_ascii=False, separators=(",", ":"))


def decode(text: str | bytes) -> ToolResult:
    """A result from `encode`."""
    fields = json.loads(text)
    fields["observations"] = [Observation(**item) for item in fields["observations"]]
    fields["attachments"] = [Attachment(**item) for item in fields["attachments"]]
    return ToolResult(**fields)


class Store(Protocol):
    """Encoded results by key, each kept for `ttl` seconds."""

    async def get(self, key: str) -> str | bytes | None:
        """The result stored under `key`, if it has not expired."""
        ...

    async def put(self, key: str, value: str) -> None:
        """Store a result under `key`."""
        ...

    async def close(self) -> None:
        """Let go of connections."""
        ...


class MemoryStore:
    """The most recently used `max_entries` results, in this process."""

    def __init__(self, ttl: float, max_entries: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self.max_entries = max_entries
        self._clock = clock
        self._entries: OrderedDict[str, tuple[float, str]] = OrderedDict()

    async def get(self, key: str) -> str | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        if entry[0] <= self._clock():
            del self._entries[key]
            return None
        self._entries.move_to_end(key)
        return entry[1]

    async def put(self, key: str, value: str) -> None:
        self._entries[key] = (self._clock() + self.ttl, value)
        self._entries.move_to_end(key)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)

    async def close(self) -> None:
        self._entries.clear()


class RedisStore:
    """Results in Redis, shared by every replica, expiring by themselves; in process while Redis fails."""

    def __init__(self, client: aioredis.Redis, ttl: float, fallback: MemoryStore) -> None:
        self.redis = client
        self.ttl = ttl
        self._fallback = fallback
        self._failing = False

    def _failed(self, exc: RedisError) -> None:
        if not self._failing:
            log.warning("Redis is unavailable for the tool result cache (%s); caching in this process", exc)
        self._failing = True

    def _answered(self) -> None:
        if self._failing:
            log.warning("Redis answers again; tool results are shared by every replica again")
            self._failing = False

    async def get(self, key: str) -> str | bytes | None:
        try:
            value = await self.redis.get(REDIS_PREFIX + key)
        except RedisError as exc:
            self._failed(exc)
            return await self._fallback.get(key)
        self._answered()
        return value

    async def put(self, key: str, value: str) -> None:
        try:
            await self.redis.set(REDIS_PREFIX + key, value, px=max(1, round(self.ttl * 1000)))
        except RedisError as exc:
            self._failed(exc)
            await self._fallback.put(key, value)
            return
        self._answered()

    async def close(self) -> None:
        await self.redis.aclose()


@dataclass
class CacheCounts:
    """Lookups of cacheable calls since the start."""

    hits: int = 0
    misses: int = 0


class ResultCache:
    """Successful results of the allow-listed tools, reused for the same server, tool and arguments."""

    def __init__(self, store: Store, tools: frozenset[str]) -> None:
        self.store = store
        self.tools = tools
        self.counts = CacheCounts()

    async def through(
        self, server: str, tool: str, arguments: dict[str, Any], call: Callable[[], Awaitable[ToolResult]]
    ) -> ToolResult:
        """The cached result of this call, else `call()`'s (kept when it succeeded)."""
        if tool not in self.tools:
            return await call()
        key = cache_key(server, tool, arguments)
        found = await self._get(key)
        cache_lookup(hit=found is not None)
        if found is not None:
            self.counts.hits += 1
            return found
        self.counts.misses += 1
        result = await call()
        if result.ok:
            await self.store.put(key, encode(result))
        return result

    async def close(self) -> None:
        """Let go of the store's connections."""
        await self.store.close()

    async def _get(self, key: str) -> ToolResult | None:
        stored = await self.store.get(key)
        if stored is None:
            return None
        try:
            return decode(stored)
        except (ValueError, TypeError, KeyError) as exc:  # written by another version: call the tool instead
            log.warning("ignored a cached tool result that cannot be read: %s", exc)
            return None


def result_cache_for(settings: Settings) -> ResultCache | None:
    """The cache these settings ask for (None when `TOOL_CACHE_SECONDS` is 0 or no tool is listed)."""
    ttl = settings.tool_cache_seconds
    if ttl <= 0 or not settings.tool_cache_tools:
        return None
    memory = MemoryStore(ttl, settings.tool_cache_max_entries)
    store: Store = memory
    if settings.redis_url:
        client = aioredis.Redis.from_url(
            settings.redis_url, socket_connect_timeout=REDIS_TIMEOUT, socket_timeout=REDIS_TIMEOUT
        )
        store = RedisStore(client, ttl, memory)
    return ResultCache(store, frozenset(settings.tool_cache_tools))
