"""Health routes for container engines, load balancers and proxies.

`GET /healthz`: the process answers (no I/O). `GET /readyz`: each service the app needs, checked now, as JSON:

    {"status": "ready", "checks": {"database": {"state": "ok", "required": true, "ms": 2}, "mcp:data360": {...}}}

200 when every required check is `ok`, 503 otherwise. Required: the database, the Data360 MCP server and Redis
when `REDIS_URL` is set; extra MCP servers are reported but not required. Reasons for failures go to the log,
not to the response (it is public).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from redis.asyncio import Redis
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from data360_chat.db.engine import Database, get_database
from data360_chat.mcp_client.hub import DATA360, McpHub, get_hub
from data360_chat.settings import Settings, get_settings

log = logging.getLogger(__name__)

CHECK_TIMEOUT = 3.0  # seconds one check may take; a container engine's health check waits longer than this
NO_STORE = {"Cache-Control": "no-store"}


@dataclass(frozen=True)
class Check:
    """The outcome of one check."""

    name: str
    required: bool
    error: str | None
    ms: int

    def as_json(self) -> dict[str, object]:
        """`state` is `ok`, `timeout` or `unavailable`."""
        state = "ok" if self.error is None else "timeout" if self.error == "timeout" else "unavailable"
        return {"state": state, "required": self.required, "ms": self.ms}


async def _timed(name: str, required: bool, probe: Awaitable[str | None]) -> Check:
    """Run `probe` (None on success, else a reason) within `CHECK_TIMEOUT`."""
    started = time.monotonic()
    try:
        async with asyncio.timeout(CHECK_TIMEOUT):
            error = await probe
    except TimeoutError:
        error = "timeout"
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"
    if error is not None:
        log.warning("readiness check %s failed: %s", name, error)
    return Check(name, required, error, round((time.monotonic() - started) * 1000))


async def _database(database: Database) -> None:
    await database.check()


async def _redis(url: str) -> None:
    client = Redis.from_url(url, socket_connect_timeout=CHECK_TIMEOUT, socket_timeout=CHECK_TIMEOUT)
    try:
        await client.ping()
    finally:
        await client.aclose()


class HealthRoutes:
    """`/healthz` and `/readyz` over the given services (the process-wide ones by default)."""

    def __init__(
        self,
        settings: Callable[[], Settings] = get_settings,
        database: Callable[[], Database] = get_database,
        hub: Callable[[], Awaitable[McpHub]] = get_hub,
    ) -> None:
        self._settings = settings
        self._database = database
        self._hub = hub

    def routes(self) -> list[Route]:
        """The two routes."""
        return [Route("/healthz", self.healthz, methods=["GET"]), Route("/readyz", self.readyz, methods=["GET"])]

    async def healthz(self, request: Request) -> JSONResponse:
        """The process is up and serving requests."""
        return JSONResponse({"status": "ok"}, headers=NO_STORE)

    async def readyz(self, request: Request) -> JSONResponse:
        """Every service checked at once; 503 unless each required one answers."""
        settings = self._settings()
        checks = [_timed("database", True, _database(self._database()))]
        if settings.redis_url:
            checks.append(_timed("redis", True, _redis(settings.redis_url)))
        results = list(await asyncio.gather(*checks, self._mcp_checks()))
        mcp = results.pop()
        outcome = [*results, *mcp]
        ready = all(check.error is None for check in outcome if check.required)
        body = {"status": "ready" if ready else "not ready", "checks": {c.name: c.as_json() for c in outcome}}
        return JSONResponse(body, status_code=200 if ready else 503, headers=NO_STORE)

    async def _mcp_checks(self) -> list[Check]:
        """A ping to each MCP server over the app's own sessions (started here if no answer has started them)."""
        started = time.monotonic()
        try:  # shielded: a slow start goes on for the answers that need it, whatever this check does
            hub = await asyncio.wait_for(asyncio.shield(self._hub()), CHECK_TIMEOUT)
        except Exception as exc:  # a timeout, or MCP settings the hub cannot start with
            error = "timeout" if isinstance(exc, TimeoutError) else f"{type(exc).__name__}: {exc}"
            log.warning("readiness check of the MCP servers failed: %s", error)
            return [Check(f"mcp:{DATA360}", True, error, round((time.monotonic() - started) * 1000))]
        left = max(CHECK_TIMEOUT - (time.monotonic() - started), 0.1)
        pings = [_timed(f"mcp:{c.config.name}", c.config.name == DATA360, c.ping(left)) for c in hub.connections]
        checks = list(await asyncio.gather(*pings))
        if not any(c.config.name == DATA360 for c in hub.connections):
            checks.insert(0, Check(f"mcp:{DATA360}", True, "DATA360_MCP_URL is not set", 0))
        return checks


def health_routes() -> list[Route]:
    """The health routes over the process-wide services."""
    return HealthRoutes().routes()
