"""The request body limit under the server the app runs on (granian), with clients still sending when refused."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from tests.support.body_limit_app import LIMIT
from tests.support.net import free_port

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def url() -> Iterator[str]:
    port = free_port()
    command = [sys.executable, "-m", "granian", "--interface", "asgi", "--port", str(port), "--log-level", "error"]
    server = subprocess.Popen([*command, "tests.support.body_limit_app:app"], cwd=ROOT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                httpx.post(base, content=b"ready")
                break
            except httpx.TransportError:
                time.sleep(0.1)
        yield base
    finally:
        server.terminate()
        server.wait(10)


def test_bodies_within_the_limit_reach_the_app(url: str) -> None:
    assert httpx.post(url, content=b"x" * LIMIT).text == str(LIMIT)
    assert httpx.post(url, content=iter([b"x" * 1024] * 10)).text == "10240"


def test_every_client_refused_while_sending_gets_the_answer_and_can_go_on(url: str) -> None:
    """The rest of a refused body is read first: the client always receives the 413 instead of a reset connection,
    and its next request on the same connection is answered too."""

    def refused_twice(_: int) -> list[int]:
        with httpx.Client(base_url=url, timeout=60) as http:
            chunked = http.patch("/", content=iter([b" " * 65536] * 40))
            sized = http.post("/", content=b"x" * (2 * LIMIT))
            return [chunked.status_code, sized.status_code, http.post("/", content=b"ok").status_code]

    with ThreadPoolExecutor(3) as pool:
        answers = list(pool.map(refused_twice, range(24)))
    assert answers == [[413, 413, 200]] * 24
