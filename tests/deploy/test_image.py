"""The image `make image` built, run with podman and driven as a person would: healthy, sign up, a question answered
by the offline model with its chart, stopped in the middle of an answer (kept as cancelled), started again with
the chat still there (the volume). `make image-test` runs this module (it needs the image: IMAGE_TEST=1)."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from data360_chat.settings import PROJECT_ROOT
from deploy.image import IMAGE, image_size, limits, podman
from tests.deploy.nginx import nginx
from tests.support.accounts import COOKIE_NAME
from tests.support.browser import chromium
from tests.support.net import free_port

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not os.environ.get("IMAGE_TEST"), reason="needs the image: run `make image-test`"),
]

PORT = 3000  # the page in the image is built for port 3000: published there, as the README says
ARTIFACTS = PROJECT_ROOT / "test-artifacts" / "deploy"
PASSWORD = "correct horse battery staple"
TIMEOUT = 60_000
START_TIMEOUT = 180.0
ANSWER = ".d360-answer:not(.d360-streaming)"


@dataclass
class Container:
    """A container of the image with its own volume, published on `host_port` of 127.0.0.1."""

    name: str
    volume: str
    host_port: int = PORT
    env: tuple[str, ...] = ("OFFLINE_MODEL_SPEED=20",)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.host_port}"

    def podman(self, *arguments: str, check: bool = True, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        return subprocess.run(podman(*arguments), capture_output=True, text=True, check=check, timeout=timeout)

    def run(self) -> None:
        self.podman(
            "run",
            "--detach",
            *limits(),
            *("--name", self.name, "--publish", f"127.0.0.1:{self.host_port}:3000", "--volume", f"{self.volume}:/data"),
            *(option for variable in self.env for option in ("--env", variable)),
            IMAGE,
        )

    def healthy(self) -> bool:
        """The image's own HEALTHCHECK command, run now."""
        return self.podman("healthcheck", "run", self.name, check=False).returncode == 0

    def wait_until_healthy(self) -> float:
        """Seconds until the health check passes."""
        started = time.monotonic()
        while time.monotonic() - started < START_TIMEOUT:
            if self.healthy():
                return time.monotonic() - started
            state = json.loads(self.podman("inspect", self.name).stdout)[0]["State"]
            if not state["Running"]:
                pytest.fail(f"the container stopped (exit {state['ExitCode']}):\n{self.logs()}")
            time.sleep(0.25)
        pytest.fail(f"not healthy within {START_TIMEOUT:.0f} s:\n{self.logs()}")

    def logs(self) -> str:
        done = self.podman("logs", self.name, check=False)
        return done.stdout + done.stderr

    def exec(self, *command: str) -> str:
        return self.podman("exec", self.name, *command, check=False).stdout


def port_is_free(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


@contextlib.contextmanager
def started(box: Container, label: str) -> Iterator[Container]:
    """Run `box` until the block ends, then remove it and its volume."""
    box.podman("volume", "create", box.volume)
    try:
        box.run()
        healthy_after = box.wait_until_healthy()
        print(f"\n{label}: container start → healthy {healthy_after:.1f} s (image {image_size(IMAGE) / 1e6:.0f} MB)")
        yield box
    finally:
        box.podman("rm", "--force", "--time", "5", box.name, check=False)
        box.podman("volume", "rm", "--force", box.volume, check=False)


def new_name() -> str:
    return f"data360-test-{uuid.uuid4().hex[:8]}"


@pytest.fixture(scope="module")
def container() -> Iterator[Container]:
    """The image as the README runs it: published on port 3000, a named volume on /data."""
    if not port_is_free(PORT):
        pytest.fail(f"port {PORT} is taken on 127.0.0.1: stop what listens there to run the image test")
    name = new_name()
    with started(Container(name, name), "published on 3000") as box:
        yield box


def sign_up(page: Page, url: str, email: str) -> None:
    page.goto(f"{url}/sign-up")
    page.get_by_label("Name").fill("Ada Lovelace")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password (at least 8 characters)").fill(PASSWORD)
    page.get_by_label("Repeat the password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_label("Your question")).to_be_visible(timeout=TIMEOUT)


def ask(page: Page, question: str) -> None:
    page.get_by_label("Your question").fill(question)
    page.get_by_label("Your question").press("Enter")


def messages(url: str, cookie: str, chat_id: str) -> list[dict]:
    response = httpx.get(f"{url}/api/v1/chats/{chat_id}/messages", cookies={COOKIE_NAME: cookie}, timeout=30)
    assert response.status_code == 200, response.text
    return response.json()["messages"]


def chats(url: str, cookie: str) -> list[dict]:
    response = httpx.get(f"{url}/api/v1/chats", cookies={COOKIE_NAME: cookie}, timeout=30)
    assert response.status_code == 200, response.text
    return response.json()["chats"]


def test_the_container_runs_as_a_user_with_its_data_on_the_volume(container: Container) -> None:
    assert container.exec("id", "-u").strip() != "0"
    assert container.exec("sh", "-c", "command -v bun node npm || true").strip() == "", "nothing builds at run time"
    postgres_owner = container.exec("stat", "-c", "%U", "/data/postgres").strip()
    assert postgres_owner == container.exec("id", "-un").strip()
    health = httpx.get(f"{container.url}/healthz", timeout=10)
    ready = httpx.get(f"{container.url}/readyz", timeout=10)
    assert health.json() == {"status": "ok"} and ready.status_code == 200, ready.text
    assert "Listening at: http://0.0.0.0:3000" in container.logs(), "logs go to the container's output"


def test_an_answer_a_stop_in_the_middle_of_the_next_and_a_restart(container: Container) -> None:
    url = container.url
    with chromium() as browser:
        cookie, chat_id = first_answer(browser, url)
        interrupted_chat = start_an_answer_and_stop_the_container(browser, container, cookie)
        container.podman("start", container.name)
        print(f"\ncontainer restart → healthy {container.wait_until_healthy():.1f} s")
        reopen(browser, url, cookie, chat_id)

    assert {chat["id"] for chat in chats(url, cookie)} >= {chat_id, interrupted_chat}
    statuses = [m["status"] for m in messages(url, cookie, interrupted_chat) if m["role"] == "assistant"]
    assert statuses == ["cancelled"], "the answer being written at SIGTERM was kept as cancelled"


def first_answer(browser: Browser, url: str) -> tuple[str, str]:
    """Sign up at 127.0.0.1, get an answer with a chart; the page works at localhost too."""
    context = browser.new_context(viewport={"width": 1280, "height": 860})
    page = context.new_page()
    sign_up(page, url, f"u{uuid.uuid4().hex[:10]}@example.org")
    ask(page, "Population of Kenya since 2000")
    page.wait_for_url(lambda address: "chat=" in address, timeout=TIMEOUT)
    answer = page.locator(ANSWER).last
    expect(answer.locator(".d360-chart .main-svg").first).to_be_attached(timeout=TIMEOUT)
    expect(page.get_by_text("Cannot connect to server")).to_have_count(0)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "image-answer-with-chart.png"))
    cookie = next(c["value"] for c in context.cookies() if c["name"] == COOKIE_NAME)
    chat_id = page.url.split("chat=")[1].split("&")[0]
    context.close()

    other = browser.new_context()
    other.add_cookies([{"name": COOKIE_NAME, "value": cookie, "url": f"http://localhost:{PORT}"}])
    local = other.new_page()
    local.goto(f"http://localhost:{PORT}/?chat={chat_id}")
    expect(local.locator(ANSWER).last.locator(".d360-chart .main-svg").first).to_be_attached(timeout=TIMEOUT)
    other.close()
    return cookie, chat_id


def start_an_answer_and_stop_the_container(browser: Browser, container: Container, cookie: str) -> str:
    """Ask, and stop the container (SIGTERM) while the answer streams; returns that chat's id."""
    context = browser.new_context()
    context.add_cookies([{"name": COOKIE_NAME, "value": cookie, "url": container.url}])
    page = context.new_page()
    page.goto(f"{container.url}/")
    ask(page, "How has life expectancy changed in India since 1990?")
    expect(page.locator(".d360-streaming .d360-md")).not_to_have_text("", timeout=TIMEOUT)
    page.wait_for_url(lambda address: "chat=" in address, timeout=TIMEOUT)
    chat_id = page.url.split("chat=")[1].split("&")[0]
    stop = container.podman("stop", "--time", "30", container.name)
    state = json.loads(container.podman("inspect", container.name).stdout)[0]["State"]
    assert state["ExitCode"] == 0, f"{stop.stderr}\n{container.logs()}"
    with contextlib.suppress(Exception):
        context.close()
    return chat_id


def reopen(browser: Browser, url: str, cookie: str, chat_id: str) -> None:
    """The same session (its key is on the volume) opens the first chat, chart included."""
    context = browser.new_context(viewport={"width": 1280, "height": 860})
    context.add_cookies([{"name": COOKIE_NAME, "value": cookie, "url": url}])
    page = context.new_page()
    page.goto(f"{url}/?chat={chat_id}")
    expect(page.locator(ANSWER).first.locator(".d360-chart .main-svg").first).to_be_attached(timeout=TIMEOUT)
    page.screenshot(path=str(ARTIFACTS / "image-after-restart.png"))
    context.close()


def test_behind_nginx_serving_https_on_port_443(tmp_path: Path) -> None:
    """The README's proxy set-up with the image: `deploy/nginx.conf` on 443, the container on another port."""
    if not port_is_free(443):
        pytest.fail("port 443 is taken on 127.0.0.1: the proxy test serves https there")
    app_port, name = free_port(), new_name()
    env = ("OFFLINE_MODEL_SPEED=20", "PUBLIC_URL=https://127.0.0.1", "TRUSTED_PROXY_HOPS=1")
    box = Container(name, name, host_port=app_port, env=env)
    with started(box, "behind nginx"), nginx(tmp_path / "nginx", app_port, free_port(), 443) as proxy:
        url = "https://127.0.0.1"
        with chromium() as browser:
            context = browser.new_context(ignore_https_errors=True, viewport={"width": 1280, "height": 860})
            page = context.new_page()
            sign_up(page, url, f"u{uuid.uuid4().hex[:10]}@example.org")
            assert next(c for c in context.cookies() if c["name"] == COOKIE_NAME)["secure"]
            ask(page, "Population of Kenya since 2000")
            expect(page.locator(ANSWER).last.locator(".d360-chart .main-svg").first).to_be_attached(timeout=TIMEOUT)
            expect(page.get_by_text("Cannot connect to server")).to_have_count(0)
            page.screenshot(path=str(ARTIFACTS / "image-behind-nginx.png"))
            context.close()
        assert '"GET /_event/' in proxy.access_log() and '" 101 ' in proxy.access_log()
