"""Start the offline Data360 MCP server as a child process on a free loopback port, and stop it again."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

from data360_chat.settings import PROJECT_ROOT, Settings

START_TIMEOUT = 60.0
STOP_TIMEOUT = 5.0
POLL_INTERVAL = 0.1


class OfflineServerError(RuntimeError):
    """The offline server could not start."""


@dataclass(frozen=True)
class OfflineServer:
    """A running offline server."""

    url: str  # the MCP endpoint, `http://127.0.0.1:PORT/mcp`
    process: subprocess.Popen


def free_loopback_port() -> int:
    """A port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _answers(base: str) -> bool:
    with contextlib.suppress(httpx.HTTPError):
        return httpx.get(f"{base}/data", timeout=1.0).status_code < 500
    return False


def _wait_until_ready(process: subprocess.Popen, base: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise OfflineServerError(
                f"The offline Data360 MCP server exited at start (code {process.returncode}); "
                "its reason is on stderr above."
            )
        if _answers(base):
            return
        time.sleep(POLL_INTERVAL)
    raise OfflineServerError(f"The offline Data360 MCP server did not answer within {timeout:g} s.")


def stop(process: subprocess.Popen) -> None:
    """Terminate the server, killing it if it does not stop in time."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextlib.contextmanager
def start_offline_server(
    settings: Settings, *, port: int | None = None, data: Path | None = None, timeout: float = START_TIMEOUT
) -> Iterator[OfflineServer]:
    """Run the server for the duration of the block (its output goes to this process's stderr)."""
    port = port or free_loopback_port()
    command = [
        sys.executable,
        "-m",
        "data360_chat.offline_mcp",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--data",
        str(data or settings.data360_offline_data),
    ]
    process = subprocess.Popen(command, cwd=PROJECT_ROOT, stdin=subprocess.DEVNULL)
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_until_ready(process, base, timeout)
        yield OfflineServer(f"{base}/mcp", process)
    finally:
        stop(process)
