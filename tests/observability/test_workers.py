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
        email = f"nobody-{uuid.uuid4().hex[:8]}@example.org"
        for _ in range(7):  # one attempt counted, then six refused, wherever each lands
            with httpx.Client() as client:
                client.post(
                    f"{app.url}/auth/sign-in",
                    data={"email": email, "password": "wrong"},
                    headers={"Origin": app.url},
                    timeout=30,
                )
        assert scraped(app, "d360_rate_limit_refusals_total", {"scope": "sign_in"}) == {6}

        async def tabs_open_then_closed() -> tuple[set[float], set[float]]:
            seen, tabs = await open_tabs(app)
            for tab in tabs:
                await tab.__aexit__(None, None, None)
            await asyncio.sleep(1)
            return seen, await asyncio.to_thread(scraped, app, "d360_connected_tabs")

        while_open, after = asyncio.run(tabs_open_then_closed())
        assert while_open == {TABS} and after == {0}
        writers = {path.stem.rpartition("_")[2] for path in tmp_path.glob("counter_*.db")}
        assert len(writers) >= 2  # the refusals were counted by several workers
