"""Opening a long chat: 200 messages, 20 of the answers with a Plotly chart, rendered in headless Chromium.

Measures the time from navigation start until every message has its place on the page, the messages on screen are
drawn and their charts have drawn their SVG (earlier messages and charts draw as they are scrolled near).
Target: ≤ 1.5 s (median of 5 fresh tabs).
Runs against BENCH_DATABASE_URL or the embedded test server.
Usage: `PYTHONPATH=. .venv/bin/python bench/chat_open.py`.
"""

from __future__ import annotations

import csv
import gzip
import json
import statistics
from pathlib import Path

from bench.ws_bytes import EMAIL, PASSWORD, bench_database, seed_chat
from data360_chat.assistant.charts import line_chart
from data360_chat.mcp_client import Observation
from data360_chat.settings import get_settings
from tests.support.accounts import session_cookie
from tests.support.app_server import running_app
from tests.support.browser import chromium

MESSAGES = 200
CHARTS = 20
RUNS = 5
INDICATOR = "NY.GDP.PCAP.CD"
COUNTRIES = ("BRA", "MEX", "ARG", "CHL", "COL")

ALL_DRAWN = """([answers, questions]) => new Promise((resolve) => {
  const inView = (el) => {
    const box = el.getBoundingClientRect();
    const scroller = document.querySelector('.d360-scroll');
    if (!scroller) return false;
    const area = scroller.getBoundingClientRect();
    return box.height > 0 && box.bottom > area.top && box.top < area.bottom;
  };
  setTimeout(() => resolve(NaN), 20000);
  const check = () => {
    const charts = [...document.querySelectorAll('.d360-chart')].filter(inView);
    const boxes = [...document.querySelectorAll('.d360-lazy')];
    if (boxes.length >= answers + questions && boxes.filter(inView).every((b) => b.dataset.shown === '1')
        && charts.length > 0 && charts.every((c) => c.querySelector('.main-svg'))) {
      resolve(performance.now());
    } else {
      requestAnimationFrame(check);
    }
  };
  check();
})"""


def sample_chart() -> tuple[dict, list[dict]]:
    """A real line chart (GDP per capita of five countries) built from the bundled data."""
    folder = Path(get_settings().data360_offline_data)
    names = {entry["code"]: entry["name"] for entry in json.loads((folder / "indicators.json").read_text())}
    with gzip.open(folder / "observations.csv.gz", "rt") as handle:
        observations = [
            Observation(
                indicator_id=row["indicator"],
                indicator_name=names[row["indicator"]],
                database_id="WB_WDI",
                country_code=row["country_code"],
                country_name=row["country_name"],
                year=int(row["year"]),
                value=float(row["value"]),
                unit=None,
            )
            for row in csv.DictReader(handle)
            if row["indicator"] == INDICATOR and row["country_code"] in COUNTRIES and row["value"]
        ]
    chart = line_chart(observations)
    return chart.figure, chart.rows


def main() -> None:
    """Measure and print."""
    figure, rows = sample_chart()
    with bench_database() as db_url:
        chat_id = seed_chat(db_url, MESSAGES, charts=CHARTS, figure=figure, rows=rows)
        with running_app(db_url, env={"DATA360_MCP_URL": ""}) as app, chromium() as browser:
            cookie = session_cookie(app.url, EMAIL, PASSWORD)
            timings = []
            for _ in range(RUNS + 1):
                context = browser.new_context(viewport={"width": 1280, "height": 900})
                context.add_cookies([cookie])
                page = context.new_page()
                page.goto(f"{app.url}/?chat={chat_id}", wait_until="commit")
                timings.append(page.evaluate(ALL_DRAWN, [MESSAGES // 2, MESSAGES // 2]))
                context.close()
    timings = timings[1:]  # the first tab warms the server's caches
    print(
        f"open a chat of {MESSAGES} messages and {CHARTS} charts: median {statistics.median(timings):.0f} ms, "
        f"max {max(timings):.0f} ms over {RUNS} tabs (target ≤ 1500 ms)"
    )


if __name__ == "__main__":
    main()
