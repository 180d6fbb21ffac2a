"""`serve --prebuilt`: where a page built into the image opens its websocket, and the start it refuses."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from data360_chat.commands.prebuilt import prebuilt_problem, websocket_url
from data360_chat.settings import PROJECT_ROOT, Settings

DEFAULT_BUILD = "ws://localhost:3000/_event"  # what the image's page is built with (no PUBLIC_URL, PORT 3000)


@pytest.mark.parametrize(
    ("built", "page", "opens"),
    [
        (DEFAULT_BUILD, "http://127.0.0.1:3000", "ws://127.0.0.1:3000/_event"),
        (DEFAULT_BUILD, "http://chat.internal:3000", "ws://chat.internal:3000/_event"),
        (DEFAULT_BUILD, "https://chat.example.org", "wss://chat.example.org/_event"),
        (DEFAULT_BUILD, "http://chat.example.org", "ws://chat.example.org:3000/_event"),
        ("wss://chat.example.org:8443/_event", "https://chat.example.org:8443", "wss://chat.example.org:8443/_event"),
    ],
)
def test_the_page_opens_its_websocket_as_reflex_does(built: str, page: str, opens: str) -> None:
    assert websocket_url(built, page) == opens


def exported(folder: Path, event_url: str) -> Path:
    (folder / "build" / "client").mkdir(parents=True)
    (folder / "build" / "client" / "index.html").write_text("<html></html>")
    (folder / "env.json").write_text(json.dumps({"EVENT": event_url}))
    return folder


@pytest.mark.parametrize(
    ("settings", "served"),
    [
        ({}, True),
        ({"public_url": "https://chat.example.org"}, True),
        ({"public_url": "http://chat.internal:3000/"}, True),
        ({"port": 8080}, False),
        ({"public_url": "http://chat.example.org"}, False),
        ({"public_url": "https://chat.example.org:8443"}, False),
    ],
)
def test_a_page_built_for_port_3000_is_served_only_where_it_connects(
    tmp_path: Path, settings: dict, served: bool
) -> None:
    configured = Settings(**{"port": 3000, "public_url": None, **settings})
    problem = prebuilt_problem(configured, exported(tmp_path, DEFAULT_BUILD))
    assert (problem is None) == served, problem
    if problem:
        assert "PUBLIC_URL=" in problem


def test_serve_prebuilt_refuses_to_start_with_a_page_it_would_break(tmp_path: Path) -> None:
    env = {**os.environ, "PORT": "8123", "DATABASE_URL": "postgresql://nobody@127.0.0.1:9/none"}
    env.pop("PUBLIC_URL", None)
    done = subprocess.run(
        [sys.executable, "-m", "data360_chat", "serve", "--prebuilt"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert done.stderr.startswith("error: ")
    assert "build-frontend" in done.stderr or "PUBLIC_URL=http://localhost:8123" in done.stderr
