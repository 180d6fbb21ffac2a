"""The app's HTTP routes (sign-in, `/api/v1`, health) served on loopback by uvicorn in a process of their own, with
the process-wide services (database, answer runner, MCP client) configured from the environment as in production;
no page is built, so it starts in seconds.

    with api_server({"DATABASE_URL": db_url, "DATA360_MCP_URL": mcp_url, ...}) as url:
        httpx.get(f"{url}/api/v1/me", headers={"Authorization": f"Bearer {key}"})
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping

import httpx

from data360_chat.settings import PROJECT_ROOT
from tests.support.net import free_port

LOG_DIR = PROJECT_ROOT / "test-artifacts"
START_TIMEOUT = 60.0


@contextlib.contextmanager
def api_server(env: Mapping[str, str]) -> Iterator[str]:
    """Serve `build_web_app()` with `env` over the test run's environment (no Redis unless `env` names one)."""
    port = free_port()
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    log_path = LOG_DIR / f"api-server-{port}.log"
    environment = {key: value for key, value in os.environ.items() if key not in ("REDIS_URL", "PUBLIC_URL")}
    environment.update({"LOG_LEVEL": "warning", "PYTHONUNBUFFERED": "1", **env})
    command = [sys.executable, "-m", "uvicorn", "--factory", "data360_chat.web.app:build_web_app"]
    command += ["--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]
    with log_path.open("w") as log:
        process = subprocess.Popen(
            command, cwd=PROJECT_ROOT, env=environment, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"the API server exited with {process.returncode}; see {log_path}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                    break
            if time.monotonic() > deadline:
                raise RuntimeError(f"the API server did not start within {START_TIMEOUT:.0f} s; see {log_path}")
            time.sleep(0.2)
        yield url
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)
