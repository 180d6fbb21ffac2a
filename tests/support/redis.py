"""Redis for tests: the one at TEST_REDIS_URL/REDIS_URL if it answers, else a `redis-server` started on loopback."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import redis

from tests.support.net import free_port


def answers(url: str) -> bool:
    """Whether a Redis server answers PING at `url`."""
    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=1).ping())
    except (redis.RedisError, OSError):
        return False


class RedisProcess:
    """A `redis-server` of a test's own on a fixed loopback port, stopped and started again at will."""

    def __init__(self, folder: Path | None = None, port: int | None = None) -> None:
        """`folder`: keep the data there, written through on every change (it survives a stop); else keep none."""
        self.folder = folder
        self.port = port or free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self._process: subprocess.Popen | None = None

    def start(self) -> None:
        """Start the server (empty: nothing is saved) and wait until it answers."""
        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError("redis-server is not installed (make test installs it).")
        kept = ["--dir", str(self.folder), "--appendonly", "yes", "--appendfsync", "always"] if self.folder else []
        self._process = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", *kept],
            stdout=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while not answers(self.url):
            if time.monotonic() > deadline or self._process.poll() is not None:
                raise RuntimeError("redis-server did not start")
            time.sleep(0.05)

    def stop(self) -> None:
        """Stop the server at once (SIGKILL: nothing is flushed, clients see their connections drop)."""
        if self._process is not None:
            self._process.kill()
            self._process.wait(timeout=10)
            self._process = None


@contextmanager
def own_redis(folder: Path | None = None, port: int | None = None) -> Iterator[RedisProcess]:
    """A running Redis of this test's own (keeping its data in `folder` if given), stopped afterwards."""
    server = RedisProcess(folder, port)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@contextmanager
def redis_server() -> Iterator[str]:
    """A Redis URL for the tests: an existing server, or one started here for the session."""
    url = os.environ.get("TEST_REDIS_URL") or os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
    if answers(url):
        yield url
        return
    with own_redis() as server:
        yield server.url
