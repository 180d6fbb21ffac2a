"""With Redis the app serves with several worker processes: whichever worker answers `/metrics` reports the numbers
of all of them (counters summed, gauges over the live workers)."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

import httpx
from prometheus_client.parser import text_string_to_metric_families

from tests.support.app_server import RunningApp, app_database, running_app
from tests.support.reflex_socket import ReflexSocket

WORKERS = 3
SCRAPES = 12
TABS = 4
BURST = 8
BURSTS = 10


def scraped(app: RunningApp, name: str, labels: dict[str, str] | None = None) -> set[float]:
    """The values of one sample over SCRAPES scrapes, each on a new connection (so any worker may answer)."""
    values = set()
    for _ in range(SCRAPES):
        with httpx.Client() as client:
            text = client.get(f"{app.url}/metrics", timeout=10).text
        found = [
            sample.value
            for family in text_string_to_metric_families(text)
            for sample in family.samples
            if sample.name == name and (labels or {}).items() <= sample.labels.items()
        ]
        values.add(sum(found))
    return values


def counter_writers(directory: Path) -> int:
    """How many worker processes have written a counter."""
    return len({path.stem.rpartition("_")[2] for path in directory.glob("counter_*.db")})


async def sign_ins_until_several_workers_counted(app: RunningApp, directory: Path) -> int:
    """Wrong sign-ins for one email, in concurrent bursts on new connections, until two workers have counted a refusal
    (an idle server may hand a few sequential connections all to one worker); returns how many were refused."""
    email = f"nobody-{uuid.uuid4().hex[:8]}@example.org"
    refused = 0

    async def attempt() -> bool:
        async with httpx.AsyncClient() as client:
            answer = await client.post(
                f"{app.url}/auth/sign-in",
                data={"email": email, "password": "wrong"},
                headers={"Origin": app.url},
                timeout=30,
            )
        return "error=rate_limited" in answer.headers.get("location", "")

    for _ in range(BURSTS):
        refused += sum(await asyncio.gather(*(attempt() for _ in range(BURST))))
        if counter_writers(directory) >= 2:
            break
    return refused


async def open_tabs(app: RunningApp) -> tuple[set[float], list[ReflexSocket]]:
    tabs = [ReflexSocket(app.url) for _ in range(TABS)]
    for tab in tabs:
        await tab.__aenter__()
    seen = await asyncio.to_thread(scraped, app, "d360_connected_tabs")
    return seen, tabs


def test_every_worker_reports_the_sum_of_all_workers(
    pg_url: str, template_db: str, redis_url: str, tmp_path: Path
) -> None:
    env = {
        "REDIS_URL": redis_url,
        "GRANIAN_WORKERS": str(WORKERS),
        "LOGIN_RATE_LIMIT": "1",
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path),
    }
    with app_database(pg_url, template_db) as db_url, running_app(db_url, env=env) as app:
        refused = asyncio.run(sign_ins_until_several_workers_counted(app, tmp_path))
        assert counter_writers(tmp_path) >= 2  # the refusals were counted by several workers
        assert refused >= BURST - 1
        assert scraped(app, "d360_rate_limit_refusals_total", {"scope": "sign_in"}) == {refused}

        async def tabs_open_then_closed() -> tuple[set[float], set[float]]:
            seen, tabs = await open_tabs(app)
            for tab in tabs:
                await tab.__aexit__(None, None, None)
            await asyncio.sleep(1)
            return seen, await asyncio.to_thread(scraped, app, "d360_connected_tabs")

        while_open, after = asyncio.run(tabs_open_then_closed())
        assert while_open == {TABS} and after == {0}
