"""`serve`: everything `make run` starts, and stops on Ctrl-C.

Redis answering (when `REDIS_URL` is set: it holds every page's state) → PostgreSQL (embedded unless
`DATABASE_URL` is set) → migrations → the offline Data360 MCP server (unless
`DATA360_MCP_URL` is set) → the Reflex app, serving page and websocket on one port (`PORT`, default 3000) at `HOST`.
With `--prebuilt` the page exported beforehand (`build-frontend`, done when the image is built) is served as it is.
The app's worker processes share their metrics through a folder made for the run (`PROMETHEUS_MULTIPROC_DIR`, unless
it is set), removed when the app stops.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import subprocess
import sys
import tempfile
from contextlib import ExitStack
from urllib.parse import urlsplit

import redis

from data360_chat.commands.migrate import prepare_database
from data360_chat.commands.prebuilt import prebuilt_problem, reflex_environment
from data360_chat.db.engine import DatabaseUnavailable, resolve_database_url
from data360_chat.observability.metrics import MULTIPROC_ENV
from data360_chat.settings import PROJECT_ROOT, Settings, get_settings

REDIS_WAIT = 3.0  # seconds Redis has to answer at start


def register(commands: argparse._SubParsersAction) -> None:
    """Add the `serve` command."""
    parser = commands.add_parser("serve", help="run the app with everything it needs")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--dev", action="store_true", help="hot reload (frontend on PORT, backend on PORT + 5000)")
    mode.add_argument("--prebuilt", action="store_true", help="serve the page exported by `build-frontend`")
    parser.set_defaults(run=run)


def reflex_command(settings: Settings, *, dev: bool = False, prebuilt: bool = False) -> list[str]:
    """The command line of the app server: `reflex run`, or the server of the page exported beforehand."""
    if prebuilt:
        return [sys.executable, "-m", "data360_chat.ui.server"]
    backend_port = settings.port + 5000 if dev else settings.port
    return [
        *(sys.executable, "-m", "reflex", "run", "--loglevel", settings.log_level, "--env", "dev" if dev else "prod"),
        *("--frontend-port", str(settings.port), "--backend-port", str(backend_port)),
        *("--backend-host", settings.host),
    ]


def child_environment(
    settings: Settings, database_url: str, mcp_url: str | None, metrics_dir: str | None = None
) -> dict[str, str]:
    """The environment of the Reflex process: resolved service addresses, the project-local bun, the folder its
    workers share their metrics in, and Reflex's own log lines as JSON too when the app's are."""
    env = reflex_environment()
    if settings.log_format == "json":
        env.setdefault("REFLEX_LOG_JSON", "1")
    env["DATABASE_URL"] = database_url
    if mcp_url:
        env["DATA360_MCP_URL"] = mcp_url
    if metrics_dir:
        env[MULTIPROC_ENV] = metrics_dir
    return env


def wait_for(process: subprocess.Popen) -> int:
    """Serve until the app exits or we are stopped (Ctrl-C, SIGTERM); then stop the app's whole process group."""
    try:
        return process.wait()
    except KeyboardInterrupt:
        print("\nStopping Data360 Chat ...", file=sys.stderr)
        os.killpg(process.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=10)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)  # workers that outlived their supervisor
        return 0


def redis_problem(url: str) -> str | None:
    """Why the Redis at `url` cannot hold the pages' state (None when it answers)."""
    client = redis.Redis.from_url(url, socket_connect_timeout=REDIS_WAIT, socket_timeout=REDIS_WAIT)
    try:
        client.ping()
    except (redis.RedisError, OSError) as exc:
        parts = urlsplit(url)
        return (
            f"Redis at {parts.scheme}://{parts.hostname}:{parts.port or 6379} (REDIS_URL) does not answer ({exc}). "
            "Start it, or unset REDIS_URL to run a single replica without it."
        )
    finally:
        client.close()
    return None


def run(args: argparse.Namespace) -> int:
    """Start everything, serve until stopped, then stop what was started."""
    settings = get_settings()
    problem = (prebuilt_problem(settings) if args.prebuilt else None) or (
        redis_problem(settings.redis_url) if settings.redis_url else None
    )
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return 1
    for stop_signal in (signal.SIGINT, signal.SIGTERM):  # `docker stop` behaves like Ctrl-C
        signal.signal(stop_signal, signal.default_int_handler)
    with ExitStack() as stack:
        try:
            database_url = resolve_database_url(settings)
            prepare_database(database_url)
        except DatabaseUnavailable as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
        mcp_url = settings.data360_mcp_url
        if not mcp_url:
            from data360_chat.offline_mcp.process import OfflineServerError, start_offline_server

            try:
                mcp_url = stack.enter_context(start_offline_server(settings)).url
            except OfflineServerError as exc:
                print(f"error: {exc}", file=sys.stderr)
                return 1
        metrics_dir = None
        if settings.metrics_enabled and not os.environ.get(MULTIPROC_ENV):
            metrics_dir = stack.enter_context(tempfile.TemporaryDirectory(prefix="d360-metrics-"))
        process = subprocess.Popen(
            reflex_command(settings, dev=args.dev, prebuilt=args.prebuilt),
            cwd=PROJECT_ROOT,
            env=child_environment(settings, database_url, mcp_url, metrics_dir),
            start_new_session=True,  # its own process group, stopped as a whole
        )
        return wait_for(process)
