"""The public Data360 MCP server (data360-mcp 0.1.2) as a test partner: run from its own venv (`.venv-partner`,
made by `make partner`, part of `make test`) on loopback, its Data360 API pointed at the stand-in of
tests/support/data360_api.py, which serves the WDI bundle or fails as a test asks."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from data360_chat.settings import PROJECT_ROOT
from tests.support.net import free_port

PARTNER_PYTHON = PROJECT_ROOT / ".venv-partner" / "bin" / "python"
START_TIMEOUT = 90.0


def _wait_for(process: subprocess.Popen, url: str, what: str) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited at start (code {process.returncode}); see stderr above")
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise RuntimeError(f"{what} did not answer within {START_TIMEOUT:g} s")


def _stop(process: subprocess.Popen | None) -> None:
    if process is not None and process.poll() is None:
        process.kill()
        process.wait()


@dataclass
class Upstream:
    """The Data360 API stand-in, a child process on a fixed port (so it can be stopped and started again)."""

    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        command = [sys.executable, "-m", "tests.support.data360_api", "--port", str(self.port)]
        self.process = subprocess.Popen(command, cwd=PROJECT_ROOT)
        _wait_for(self.process, f"{self.url}/charts/none", "The Data360 API stand-in")

    def stop(self) -> None:
        """Down: nothing listens on its port any more."""
        _stop(self.process)

    def fault(self, mode: str, seconds: float = 0) -> None:
        """Make every Data360 endpoint answer this way (see tests/support/data360_api.py)."""
        httpx.post(f"{self.url}/_fault", json={"mode": mode, "seconds": seconds}, timeout=5).raise_for_status()


@dataclass
class Partner:
    """A running data360-mcp server."""

    port: int
    process: subprocess.Popen

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/mcp"


@contextmanager
def data360_upstream() -> Iterator[Upstream]:
    upstream = Upstream()
    upstream.start()
    try:
        yield upstream
    finally:
        upstream.stop()


@contextmanager
def data360_partner(upstream: Upstream, workdir: Path) -> Iterator[Partner]:
    """data360-mcp over streamable HTTP on a free loopback port, run in `workdir` (it reads `.env` and may write
    `static/` there), with no banner and no update check."""
    if not PARTNER_PYTHON.is_file():
        pytest.fail(
            f"The public Data360 MCP server is not installed in {PARTNER_PYTHON.parent.parent}: run `make partner`"
        )
    port = free_port()
    env = {
        **{key: value for key, value in os.environ.items() if not key.startswith(("DATA360_", "MCP_", "FASTMCP_"))},
        "DATA360_API_BASE_URL": upstream.url,
        "MCP_CHARTS_API_URL": f"{upstream.url}/charts",
        "MCP_LOG_LEVEL": "WARNING",
        "FASTMCP_LOG_LEVEL": "WARNING",
        "FASTMCP_SHOW_SERVER_BANNER": "false",
        "FASTMCP_CHECK_FOR_UPDATES": "off",
    }
    command = [str(PARTNER_PYTHON), "-m", "data360.mcp_server", "-t", "streamable-http", "-p", str(port)]
    process = subprocess.Popen(command, cwd=workdir, env=env, stdin=subprocess.DEVNULL)
    try:
        _wait_for(process, f"http://127.0.0.1:{port}/mcp", "data360-mcp")
        yield Partner(port, process)
    finally:
        _stop(process)
