"""A real Prometheus server (Debian's `prometheus`) on loopback, scraping one target every half second.

    with prometheus_scraping("127.0.0.1:3000") as prom:
        prom.wait_for('d360_answers_total{status="complete"}', 1)     # the value Prometheus has stored
        prom.value("sum(d360_llm_tokens_total)")                       # None while the series does not exist

Its data lives in a temporary folder; its output goes to `test-artifacts/prometheus-<port>.log`.
"""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

from data360_chat.settings import PROJECT_ROOT
from tests.support.net import free_port

BINARY = "/usr/bin/prometheus"
SCRAPE_INTERVAL = 0.5
CONFIG = """global:
  scrape_interval: {interval_ms}ms
  scrape_timeout: {interval_ms}ms
scrape_configs:
  - job_name: data360-chat
    metrics_path: /metrics
    static_configs:
      - targets: ["{target}"]
"""


@dataclass(frozen=True)
class Prometheus:
    """A running Prometheus and its HTTP API."""

    url: str
    log_path: Path

    def value(self, query: str) -> float | None:
        """The value of an instant query giving one series (None when it gives none)."""
        response = httpx.get(f"{self.url}/api/v1/query", params={"query": query}, timeout=5)
        response.raise_for_status()
        result = response.json()["data"]["result"]
        assert len(result) <= 1, f"{query} gives several series: {result}"
        return float(result[0]["value"][1]) if result else None

    def wait_for(self, query: str, expected: float, timeout: float = 15.0) -> float | None:
        """Wait until `query` gives `expected` (scrapes land every half second); the last value seen."""
        deadline = time.monotonic() + timeout
        seen = self.value(query)
        while seen != expected and time.monotonic() < deadline:
            time.sleep(SCRAPE_INTERVAL / 2)
            seen = self.value(query)
        return seen

    def target_health(self) -> str:
        """`up`, `down` or `unknown`: how the last scrape of the app went."""
        targets = httpx.get(f"{self.url}/api/v1/targets", timeout=5).json()["data"]["activeTargets"]
        return targets[0]["health"] if targets else "unknown"


@contextlib.contextmanager
def prometheus_scraping(target: str) -> Iterator[Prometheus]:
    """Prometheus scraping `host:port` until the block ends."""
    if not shutil.which(BINARY):
        raise RuntimeError(f"{BINARY} is missing: run tools/ensure-test-deps.sh (Debian package prometheus)")
    port = free_port()
    log_path = PROJECT_ROOT / "test-artifacts" / f"prometheus-{port}.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="d360-prometheus-") as folder, log_path.open("w") as log:
        config = Path(folder, "prometheus.yml")
        config.write_text(CONFIG.format(interval_ms=round(SCRAPE_INTERVAL * 1000), target=target))
        process = subprocess.Popen(
            [
                BINARY,
                f"--config.file={config}",
                f"--storage.tsdb.path={folder}/data",
                f"--web.listen-address=127.0.0.1:{port}",
                "--web.enable-lifecycle",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 30
            while True:
                with contextlib.suppress(httpx.HTTPError):
                    if httpx.get(f"{url}/-/ready", timeout=2).status_code == 200:
                        break
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"Prometheus did not start; see {log_path}")
                time.sleep(0.2)
            yield Prometheus(url, log_path)
        finally:
            process.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=10)
            if process.poll() is None:
                process.kill()
                process.wait()
