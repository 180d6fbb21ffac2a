"""A newcomer's set-up, for real: a venv made by `python3 -m venv` with the pip it ships (23.2.1 on Python 3.11 and
3.12 at the time of writing), the Makefile's install steps into it, and the app run from the Python 3.11 venv that
holds `requirements.txt` alone: it listens on loopback only, and its page works at `localhost` and `127.0.0.1`."""

from __future__ import annotations

import json
import os
import re
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from packaging.version import Version
from playwright.sync_api import Page, expect

from data360_chat.settings import PROJECT_ROOT
from tests.deploy.fresh_venv import (
    INSTALL_TIMEOUT,
    bundled_pip,
    interpreter,
    new_venv,
    pip_version,
    start_make_setup,
)
from tests.support.accounts import create_user, session_cookie
from tests.support.app_server import RunningApp, app_database, running_app
from tests.support.browser import chromium

pytestmark = pytest.mark.browser

PYTHONS = ("3.11", "3.12")
ARTIFACTS = PROJECT_ROOT / "test-artifacts" / "deploy"
PASSWORD = "correct horse battery staple"
QUESTION = "Population of Kenya since 2000"
TIMEOUT = 60_000
ANSWER = ".d360-answer:not(.d360-streaming)"


@dataclass(frozen=True)
class FreshVenv:
    """A venv made as a newcomer's is, after `make setup`."""

    version: str
    python: Path
    stock_pip: str
    shipped_pip: str
    returncode: int
    log: str


def pinned_pip() -> Version:
    match = re.search(r"^pip==(\S+)", (PROJECT_ROOT / "requirements-pip.txt").read_text(), re.M)
    assert match, "requirements-pip.txt pins pip"
    return Version(match.group(1))


@pytest.fixture(scope="module")
def fresh_venvs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, FreshVenv]:
    """One venv per Python version, installed side by side."""
    root = tmp_path_factory.mktemp("fresh-venvs")
    started = {}
    for version in PYTHONS:
        base = interpreter(version)
        if base is None:
            pytest.fail(f"Python {version} is needed for this test (python{version} on PATH or under pyenv)")
        venv = root / f"py{version}"
        python = new_venv(base, venv)
        log = root / f"make-setup-{version}.log"
        started[version] = (python, pip_version(python), bundled_pip(base), start_make_setup(base, venv, log), log)
    venvs = {}
    for version, (python, stock, shipped, process, log) in started.items():
        returncode = process.wait(timeout=INSTALL_TIMEOUT)
        venvs[version] = FreshVenv(version, python, stock, shipped, returncode, log.read_text(errors="replace"))
    return venvs


def run_in(venv: FreshVenv, *arguments: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(venv.python), *arguments],
        cwd=PROJECT_ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.mark.parametrize("version", PYTHONS)
def test_the_locks_install_with_the_pip_python_ships(fresh_venvs: dict[str, FreshVenv], version: str) -> None:
    venv = fresh_venvs[version]
    assert venv.stock_pip == venv.shipped_pip, "the venv started with the pip that `python -m venv` installs"
    assert Version(venv.stock_pip) < pinned_pip(), "the stock pip is older than the pinned one, as on a new machine"
    assert venv.returncode == 0, venv.log
    assert Version(pip_version(venv.python)) == pinned_pip()
    check = run_in(venv, "-m", "pip", "check")
    assert check.returncode == 0, check.stdout + check.stderr
    assert run_in(venv, "-c", "import pytest").returncode != 0, "the venv holds requirements.txt alone"


def test_an_answer_with_a_chart_is_stored_from_the_python_3_12_venv(
    fresh_venvs: dict[str, FreshVenv], pg_url: str, template_db: str
) -> None:
    venv = fresh_venvs["3.12"]
    assert venv.returncode == 0, venv.log
    with app_database(pg_url, template_db) as db_url:
        done = run_in(venv, "-m", "data360_chat", "ask", QUESTION, "--json", "--save", DATABASE_URL=db_url)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["status"] == "complete" and result["chat_id"]
    assert result["charts"] and result["charts"][0]["points"] > 10


@pytest.fixture(scope="module")
def fresh_app(fresh_venvs: dict[str, FreshVenv], pg_url: str, template_db: str) -> Iterator[tuple[RunningApp, str]]:
    """The whole app started from the Python 3.11 venv, with no HOST set (the default)."""
    venv = fresh_venvs["3.11"]
    assert venv.returncode == 0, venv.log
    env = {"DATA360_MCP_URL": "", "OFFLINE_MODEL_SPEED": "400"}
    with app_database(pg_url, template_db) as db_url, running_app(db_url, env=env, python=str(venv.python)) as app:
        yield app, db_url


def listening_addresses(port: int) -> set[str]:
    """Local addresses of the TCP sockets listening on `port` (from /proc/net/tcp and tcp6)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, port_hex = local.split(":")
            if state == "0A" and int(port_hex, 16) == port:  # 0A: LISTEN
                raw = bytes.fromhex(address)
                words = [raw[i : i + 4][::-1] for i in range(0, len(raw), 4)]  # each 32-bit word is little-endian
                found.add(".".join(map(str, words[0])) if len(raw) == 4 else b"".join(words).hex())
    return found


def test_the_app_listens_on_loopback_only(fresh_app: tuple[RunningApp, str]) -> None:
    app, _ = fresh_app
    assert listening_addresses(app.port) == {"127.0.0.1"}


def test_health_routes_answer_in_the_running_app(fresh_app: tuple[RunningApp, str]) -> None:
    app, _ = fresh_app
    assert httpx.get(f"{app.url}/healthz", timeout=10).json() == {"status": "ok"}
    ready = httpx.get(f"{app.url}/readyz", timeout=10)
    assert ready.status_code == 200, ready.text
    assert {name: check["state"] for name, check in ready.json()["checks"].items()} == {
        "database": "ok",
        "mcp:data360": "ok",
    }


def ask_and_wait(page: Page, origin: str) -> None:
    page.goto(f"{origin}/")
    page.get_by_label("Your question").fill(QUESTION)
    page.get_by_label("Your question").press("Enter")
    answer = page.locator(ANSWER).last
    expect(answer.locator(".d360-chart .main-svg").first).to_be_attached(timeout=TIMEOUT)
    expect(page.get_by_text("Cannot connect to server")).to_have_count(0)


def test_the_page_connects_at_localhost_and_at_127_0_0_1(fresh_app: tuple[RunningApp, str]) -> None:
    app, db_url = fresh_app
    email = f"u{uuid.uuid4().hex[:10]}@example.org"
    create_user(db_url, email, PASSWORD)
    origins = [f"http://localhost:{app.port}", f"http://127.0.0.1:{app.port}"]
    with chromium() as browser:
        for origin in origins:
            context = browser.new_context(viewport={"width": 1280, "height": 860})
            context.add_cookies([session_cookie(origin, email, PASSWORD)])
            page = context.new_page()
            ask_and_wait(page, origin)
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / f"fresh-venv-{origin.split('//')[1].split(':')[0]}.png"))
            context.close()
