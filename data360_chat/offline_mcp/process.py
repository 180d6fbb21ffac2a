"""Start the offline Data360 MCP server as a child process on a free loopback port, keep it running, stop it.

Once started, the server is supervised: a thread waits on its process and, when it dies (a crash, the OOM killer,
anything but our own stop), starts it again on the same port, so the URL the app holds stays valid and its MCP
connection reconnects on the next call. Restarts back off (0.5 s, doubling to 30 s) while the server keeps
failing, and the delay resets once a process has run for a minute.
"""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

from data360_chat.settings import PROJECT_ROOT, Settings

START_TIMEOUT = 60.0
STOP_TIMEOUT = 5.0
POLL_INTERVAL = 0.1
FIRST_RESTART_DELAY = 0.5
MAX_RESTART_DELAY = 30.0
STABLE_AFTER = 60.0  # seconds a process must run before the restart delay starts again from the first


class OfflineServerError(RuntimeError):
    """The offline server could not start."""


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


class OfflineServer:
    """A running offline server, restarted on the same port whenever its process dies."""

    def __init__(self, command: list[str], port: int, timeout: float) -> None:
        self.base = f"http://127.0.0.1:{port}"
        self.url = f"{self.base}/mcp"  # the MCP endpoint, the same across restarts
        self.restarts = 0  # processes started after the first
        self._command = command
        self._timeout = timeout
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._ready = threading.Event()
        self.process = self._spawn()
        try:
            _wait_until_ready(self.process, self.base, timeout)
        except OfflineServerError:
            stop(self.process)
            raise
        self._ready.set()
        self._started_at = time.monotonic()
        self._watcher = threading.Thread(target=self._watch, name="offline-mcp-supervisor", daemon=True)
        self._watcher.start()

    def _spawn(self) -> subprocess.Popen:
        return subprocess.Popen(self._command, cwd=PROJECT_ROOT, stdin=subprocess.DEVNULL)

    def _watch(self) -> None:
        """Wait on the process; when it dies unasked, start another (backing off while starts keep failing)."""
        delay = FIRST_RESTART_DELAY
        while True:
            code = self.process.wait()
            if self._stopping.is_set():
                return
            self._ready.clear()
            if time.monotonic() - self._started_at >= STABLE_AFTER:
                delay = FIRST_RESTART_DELAY
            print(
                f"The offline Data360 MCP server exited (code {code}); starting it again in {delay:g} s.",
                file=sys.stderr,
            )
            if self._stopping.wait(delay):
                return
            delay = min(delay * 2, MAX_RESTART_DELAY)
            with self._lock:
                if self._stopping.is_set():
                    return
                self.process, self._started_at = self._spawn(), time.monotonic()
                self.restarts += 1
            try:
                _wait_until_ready(self.process, self.base, self._timeout)
            except OfflineServerError as exc:
                print(f"{exc} Trying again.", file=sys.stderr)
                stop(self.process)
                continue
            self._ready.set()

    def wait_until_serving(self, timeout: float) -> bool:
        """Whether a process answers within `timeout` seconds (after a restart, once the new one does)."""
        return self._ready.wait(timeout)

    def stop(self) -> None:
        """Stop supervising, then stop the process."""
        with self._lock:
            self._stopping.set()
            process = self.process
        stop(process)
        self._watcher.join(STOP_TIMEOUT)


@contextlib.contextmanager
def start_offline_server(
    settings: Settings, *, port: int | None = None, data: Path | None = None, timeout: float = START_TIMEOUT
) -> Iterator[OfflineServer]:
    """Run the server, supervised, for the duration of the block (its output goes to this process's stderr)."""
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
    server = OfflineServer(command, port, timeout)
    try:
        yield server
    finally:
        server.stop()
