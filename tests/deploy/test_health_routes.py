"""`/healthz` and `/readyz` against real services: PostgreSQL, the offline MCP server over HTTP, Redis, and each of
them missing or gone."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable

import httpx
import pytest
from starlette.applications import Starlette

from data360_chat.db.engine import Database
from data360_chat.mcp_client import McpHub
from data360_chat.settings import Settings
from data360_chat.web.health_routes import HealthRoutes
from tests.support.fault_mcp_server import fault_server
from tests.support.net import free_port

NOTHING_LISTENS = f"127.0.0.1:{free_port()}"


class Services:
    """Settings, a database and a hub for the routes; the hub is started on first use, like the app's."""

    def __init__(self, settings: Settings, database: Database) -> None:
        self.settings = settings
        self.database = database
        self.hub: McpHub | None = None

    async def get_hub(self) -> McpHub:
        if self.hub is None:
            self.hub = McpHub(self.settings)
            await self.hub.start()
        return self.hub

    def client(self) -> httpx.AsyncClient:
        routes = HealthRoutes(lambda: self.settings, lambda: self.database, self.get_hub).routes()
        return httpx.AsyncClient(transport=httpx.ASGITransport(app=Starlette(routes=routes)), base_url="http://app")


@pytest.fixture
async def services(database: Database) -> AsyncIterator[Callable[..., Services]]:
    made: list[Services] = []

    def make(*, database_url: str | None = None, **settings: object) -> Services:
        db = Database(database_url) if database_url else database
        made.append(Services(Settings(**settings), db))
        return made[-1]

    yield make
    for item in made:
        if item.hub is not None:
            await item.hub.close()
        if item.database is not database:
            await item.database.dispose()


async def readyz(services: Services) -> tuple[int, dict]:
    async with services.client() as client:
        response = await client.get("/readyz")
    assert response.headers["cache-control"] == "no-store"
    return response.status_code, response.json()


def states(body: dict) -> dict[str, tuple[str, bool]]:
    return {name: (check["state"], check["required"]) for name, check in body["checks"].items()}


async def test_ready_when_database_mcp_server_and_redis_answer(
    services: Callable[..., Services], offline_mcp_url: str, redis_url: str
) -> None:
    status, body = await readyz(services(data360_mcp_url=offline_mcp_url, redis_url=redis_url))
    assert (status, body["status"]) == (200, "ready")
    assert states(body) == {"database": ("ok", True), "redis": ("ok", True), "mcp:data360": ("ok", True)}
    assert all(isinstance(check["ms"], int) for check in body["checks"].values())


async def test_without_redis_configured_redis_is_not_checked(
    services: Callable[..., Services], offline_mcp_url: str
) -> None:
    status, body = await readyz(services(data360_mcp_url=offline_mcp_url))
    assert status == 200 and "redis" not in body["checks"]


async def test_each_missing_required_service_makes_it_not_ready(
    services: Callable[..., Services], offline_mcp_url: str
) -> None:
    down = f"http://{NOTHING_LISTENS}/mcp"
    status, body = await readyz(services(data360_mcp_url=down))
    assert (status, body["status"], states(body)["mcp:data360"]) == (503, "not ready", ("unavailable", True))
    assert states(body)["database"] == ("ok", True)

    status, body = await readyz(services(data360_mcp_url=offline_mcp_url, redis_url=f"redis://{NOTHING_LISTENS}/0"))
    assert (status, states(body)["redis"]) == (503, ("unavailable", True))

    no_database = f"postgresql://postgres@{NOTHING_LISTENS}/postgres"
    status, body = await readyz(services(database_url=no_database, data360_mcp_url=offline_mcp_url))
    assert (status, states(body)["database"], states(body)["mcp:data360"]) == (503, ("unavailable", True), ("ok", True))

    status, body = await readyz(services(data360_mcp_url=None))
    assert (status, states(body)["mcp:data360"]) == (503, ("unavailable", True))

    status, body = await readyz(services(data360_mcp_url=offline_mcp_url, extra_mcp_servers="{not json"))
    assert (status, states(body)["mcp:data360"]) == (503, ("unavailable", True))


async def test_an_extra_mcp_server_that_is_down_is_reported_but_not_required(
    services: Callable[..., Services], offline_mcp_url: str
) -> None:
    extra = json.dumps([{"name": "extra", "url": f"http://{NOTHING_LISTENS}/mcp"}])
    status, body = await readyz(services(data360_mcp_url=offline_mcp_url, extra_mcp_servers=extra))
    assert status == 200
    assert states(body)["mcp:extra"] == ("unavailable", False)


async def test_an_mcp_server_that_stops_after_connecting_is_seen_at_the_next_check(
    services: Callable[..., Services],
) -> None:
    with fault_server() as faults:
        ready = services(data360_mcp_url=faults.url)
        assert (await readyz(ready))[0] == 200
        faults.kill()
        status, body = await readyz(ready)
        assert (status, states(body)["mcp:data360"]) == (503, ("unavailable", True))
        faults.start()
        assert (await readyz(ready))[0] == 200  # the next check reconnects


async def test_healthz_answers_without_touching_any_service(services: Callable[..., Services]) -> None:
    def unreachable() -> Database:
        raise AssertionError("healthz must not touch the database")

    routes = HealthRoutes(lambda: Settings(), unreachable, unreachable).routes()  # type: ignore[arg-type]
    transport = httpx.ASGITransport(app=Starlette(routes=routes))
    async with httpx.AsyncClient(transport=transport, base_url="http://app") as client:
        response = await client.get("/healthz")
        head = await client.head("/healthz")
    assert (response.status_code, response.json(), head.status_code) == (200, {"status": "ok"}, 200)
