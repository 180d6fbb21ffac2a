"""The whole app, started the way production starts it (`python -m data360_chat serve`), for browser tests.

    with app_database(pg_url, template_db) as db_url, running_app(db_url) as app:   # waits for other app runs
        page.goto(app.url + "/sign-in")

Reflex builds the frontend into the shared `.web/` folder when it starts, so only one app runs at a time from this
tree: a file lock (`.data/app-server.lock`) is held from before the build until the app has stopped, across
processes. Unless told otherwise the app gets no Redis and an MCP address nothing listens on (fine for pages
that do not answer questions). Output goes to `test-artifacts/app-server-<port>.log`.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import httpx

from data360_chat.settings import PROJECT_ROOT
from tests.support.net import free_port
from tests.support.postgres import database_url_for

LOCK_PATH = PROJECT_ROOT / ".data" / "app-server.lock"
LOG_DIR = PROJECT_ROOT / "test-artifacts"
UNREACHABLE_MCP = "http://127.0.0.1:9/mcp"
START_TIMEOUT = 600.0


@dataclass(frozen=True)
class RunningApp:
    """An app serving page, websocket and HTTP routes on `url`."""

    url: str
    port: int
    log_path: Path

    def log_tail(self, lines: int = 60) -> str:
        """The end of the app's output, for failure messages."""
        with contextlib.suppress(OSError):
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        return ""


@contextlib.contextmanager
def exclusive_app_lock() -> Iterator[None]:
    """Hold the tree-wide lock that serialises app servers (waits for whoever holds it)."""
    LOCK_PATH.parent.mkdir(parents=True, exist_ok=True)
    with LOCK_PATH.open("a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def app_environment(database_url: str, port: int, extra: Mapping[str, str]) -> dict[str, str]:
    """The app's environment: this database and port, no Redis or MCP server unless `extra` names them, the
    default bind address (loopback)."""
    env = {key: value for key, value in os.environ.items() if key not in ("REDIS_URL", "PUBLIC_URL", "HOST")}
    env.update(
        PORT=str(port),
        DATABASE_URL=database_url,
        DATA360_MCP_URL=UNREACHABLE_MCP,
        LOG_LEVEL="warning",
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


def _wait_until_serving(url: str, process: subprocess.Popen, log_path: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the app exited with {process.returncode}; see {log_path}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{url}/ping", timeout=2).status_code == 200 and httpx.get(url, timeout=5).status_code == 200:
                return
        time.sleep(0.5)
    raise RuntimeError(f"the app did not serve {url} within {timeout:.0f} s; see {log_path}")


def _stop(process: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGINT)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=20)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)  # workers that outlived the launcher
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=5)


def admin_sql(pg_url: str, sql: str) -> None:
    async def run() -> None:
        conn = await asyncpg.connect(database_url_for(pg_url, "postgres"))
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, run()).result()


@contextlib.contextmanager
def app_database(pg_url: str, template_db: str) -> Iterator[str]:
    """A fresh migrated database copied from the tests' template, for one app run (dropped afterwards)."""
    name = f"d360_app_{uuid.uuid4().hex[:10]}"
    admin_sql(pg_url, f'CREATE DATABASE "{name}" TEMPLATE "{template_db}"')
    try:
        yield database_url_for(pg_url, name)
    finally:
        admin_sql(pg_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@dataclass(frozen=True)
class Replica:
    """One of several app servers of the same page, with its launcher process."""

    url: str
    port: int
    log_path: Path
    process: subprocess.Popen

    def kill(self) -> None:
        """SIGKILL the replica's every process at once (the launcher and the app server it started): a crash."""
        for pid in [*descendants(self.process.pid), self.process.pid]:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self.process.wait(timeout=10)


def descendants(pid: int) -> list[int]:
    """Every process started, directly or not, by `pid` (from /proc)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        with contextlib.suppress(OSError, ValueError, IndexError):
            parent = int((entry / "stat").read_text().rpartition(")")[2].split()[1])
            children.setdefault(parent, []).append(int(entry.name))
    found, pending = [], [pid]
    while pending:
        for child in children.get(pending.pop(), []):
            found.append(child)
            pending.append(child)
    return found


@contextlib.contextmanager
def prebuilt_replicas(database_url: str, count: int, *, env: Mapping[str, str]) -> Iterator[list[Replica]]:
    """`count` app servers over `database_url` with `env` on top, each on its own free port: the page is exported
    once (`build-frontend`), then each runs `serve --prebuilt`, as replicas of one image would. Stopped afterwards."""
    with exclusive_app_lock():
        LOG_DIR.mkdir(parents=True, exist_ok=True)
        built = subprocess.run(
            [sys.executable, "-m", "data360_chat", "build-frontend"],
            cwd=PROJECT_ROOT,
            env=app_environment(database_url, free_port(), env),
            capture_output=True,
            text=True,
            timeout=START_TIMEOUT,
        )
        if built.returncode:
            raise RuntimeError(f"the page could not be exported:\n{built.stdout[-2000:]}\n{built.stderr[-2000:]}")
        replicas: list[Replica] = []
        try:
            for _ in range(count):
                port = free_port()
                log_path = LOG_DIR / f"app-replica-{port}.log"
                with log_path.open("w") as log:
                    process = subprocess.Popen(
                        [sys.executable, "-m", "data360_chat", "serve", "--prebuilt"],
                        cwd=PROJECT_ROOT,
                        env=app_environment(database_url, port, env),
                        stdout=log,
                        stderr=subprocess.STDOUT,
                        start_new_session=True,
                    )
                replicas.append(Replica(f"http://localhost:{port}", port, log_path, process))
            for replica in replicas:
                _wait_until_serving(replica.url, replica.process, replica.log_path, START_TIMEOUT)
            yield replicas
        finally:
            for replica in replicas:
                _stop(replica.process)


@contextlib.contextmanager
def running_app(
    database_url: str,
    *,
    env: Mapping[str, str] | None = None,
    timeout: float = START_TIMEOUT,
    python: str = sys.executable,
) -> Iterator[RunningApp]:
    """Start the app on a free port over `database_url` (with `env` on top) with this `python` (this test run's
    by default) and stop it afterwards."""
    with exclusive_app_lock():
        port = free_port()
        url = f"http://localhost:{port}"  # the origin the app allows for its websocket (rxconfig)
        LOG_DIR.mkdir(parents=True, exist_ok=True)
        log_path = LOG_DIR / f"app-server-{port}.log"
        with log_path.open("w") as log:
            process = subprocess.Popen(
                [python, "-m", "data360_chat", "serve"],
                cwd=PROJECT_ROOT,
                env=app_environment(database_url, port, env or {}),
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        try:
            _wait_until_serving(url, process, log_path, timeout)
            yield RunningApp(url=url, port=port, log_path=log_path)
        finally:
            _stop(process)
