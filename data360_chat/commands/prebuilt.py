"""The page built once and served as it is: `build-frontend` exports it, `serve --prebuilt` serves it.

The image builds the page when it is built, so a container starts in seconds and needs no registry. The page
knows the address of its websocket from the moment it was built (`.web/env.json`): `serve --prebuilt` refuses to
start when a page opened at `PUBLIC_URL` (or at `PORT` on this machine) would not reach it. The server it then
starts is `data360_chat.ui.server`.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

from data360_chat.settings import PROJECT_ROOT, Settings, get_settings

WEB_DIR = PROJECT_ROOT / ".web"
BUN_DIR = PROJECT_ROOT / "tools" / "node_modules" / ".bin"
EXPORTED_PAGE = Path("build", "client", "index.html")  # in the web folder, as `reflex export` writes it
PAGE_ENV = Path("env.json")  # the addresses the page was built with
# Host names for which the page talks to the host it was loaded from (Reflex's `SAME_DOMAIN_HOSTNAMES`).
SAME_HOST = {"localhost", "0.0.0.0", "::", "0:0:0:0:0:0:0:0"}
DEFAULT_PORTS = {"http": 80, "ws": 80, "https": 443, "wss": 443}


def register(commands: argparse._SubParsersAction) -> None:
    """Add the `build-frontend` command."""
    parser = commands.add_parser("build-frontend", help="export the page once, for `serve --prebuilt`")
    parser.set_defaults(run=build_frontend)


def build_frontend(args: argparse.Namespace) -> int:
    """Compile the app and export its page into `.web/build/client`."""
    settings = get_settings()
    command = [sys.executable, "-m", "reflex", "export", "--frontend-only", "--no-zip"]
    command += ["--loglevel", settings.log_level]
    done = subprocess.run(command, cwd=PROJECT_ROOT, env=reflex_environment(), check=False)
    if done.returncode or not (WEB_DIR / EXPORTED_PAGE).exists():
        print("error: the page could not be exported (see above)", file=sys.stderr)
        return done.returncode or 1
    print(f"page exported for {built_event_url()}")
    return 0


def reflex_environment() -> dict[str, str]:
    """This process's environment with the project-local bun first on PATH, for Reflex's frontend builds."""
    env = dict(os.environ)
    env["REFLEX_USE_SYSTEM_BUN"] = "1"
    env["PATH"] = f"{BUN_DIR}{os.pathsep}{env.get('PATH', '')}"
    return env


def built_event_url(web_dir: Path = WEB_DIR) -> str:
    """The websocket address the exported page was built with."""
    return str(json.loads((web_dir / PAGE_ENV).read_text())["EVENT"])


def websocket_url(event_url: str, page_origin: str) -> str:
    """Where a page opened at `page_origin` opens its websocket, given the address it was built with.

    As Reflex's page does: a built-in loopback host name becomes the page's own host name, and a page served over
    https uses `wss` on the default port.
    """
    endpoint, page = urlsplit(event_url), urlsplit(page_origin)
    if endpoint.hostname not in SAME_HOST:
        return event_url
    scheme, port = endpoint.scheme, endpoint.port
    if page.scheme == "https":
        scheme, port = "wss", None
    host = page.hostname or ""
    host = f"[{host}]" if ":" in host else host
    return f"{scheme}://{host}{f':{port}' if port else ''}{endpoint.path}"


def _address(url: str) -> tuple[bool, str, int]:
    """(secure, host, port) of an http(s) or ws(s) URL, default ports filled in."""
    parts = urlsplit(url)
    return parts.scheme in ("https", "wss"), (parts.hostname or ""), parts.port or DEFAULT_PORTS.get(parts.scheme, 0)


def prebuilt_problem(settings: Settings, web_dir: Path = WEB_DIR) -> str | None:
    """Why the page exported into `web_dir` cannot be served with these settings (None when it can)."""
    if not (web_dir / EXPORTED_PAGE).exists() or not (web_dir / PAGE_ENV).exists():
        return "there is no exported page: run `python -m data360_chat build-frontend` first"
    event_url = built_event_url(web_dir)
    for origin in settings.page_origins:
        if _address(websocket_url(event_url, origin)) != _address(origin):
            return (
                f"the page was built to open its websocket at {event_url}, which a page at {origin} does not reach; "
                f"build the page again with PUBLIC_URL={origin} (the image's build argument PUBLIC_URL), "
                "or serve it over https on the default port"
            )
    return None
