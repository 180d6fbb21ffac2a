"""`python -m data360_chat serve` when the built-in offline MCP server cannot start, or the configured Redis does not
answer."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from data360_chat.settings import PROJECT_ROOT
from tests.support.net import free_port


def test_a_data_bundle_that_cannot_load_stops_the_launch_with_one_clear_line(db_url: str, tmp_path: Path) -> None:
    env = {**os.environ, "DATABASE_URL": db_url, "DATA360_OFFLINE_DATA": str(tmp_path / "missing")}
    env.pop("DATA360_MCP_URL", None)
    done = subprocess.run(
        [sys.executable, "-m", "data360_chat", "serve"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert "error: The offline Data360 MCP server" in done.stderr


def test_a_configured_redis_that_does_not_answer_stops_the_launch_with_one_clear_line() -> None:
    port = free_port()
    env = {
        **os.environ,
        "REDIS_URL": f"redis://:secret@127.0.0.1:{port}/0",
        "DATABASE_URL": "postgresql://x@127.0.0.1:9/x",
    }
    done = subprocess.run(
        [sys.executable, "-m", "data360_chat", "serve"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert done.stderr.startswith(f"error: Redis at redis://127.0.0.1:{port} (REDIS_URL) does not answer")
    assert "unset REDIS_URL" in done.stderr and "secret" not in done.stderr
