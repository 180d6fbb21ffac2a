"""Two replicas of the app behind Debian's nginx, taken in turn with no sticky sessions: separate processes and ports
over one PostgreSQL and one Redis (which holds the pages' state, the sessions and the shared answers). In Chromium:
an answer keeps streaming on a tab whose reload lands on the other replica; Stop pressed on one replica stops the
answer running on the other; a replica killed mid-answer leaves the answer with its partial text (all that its Redis
stream carried, beyond the last save) and an error saying the server stopped, on the tab within the documented
42 s (stored within 35 s: a 5 s heartbeat, 30 s without one; the tab's follower asks the database after 5 s of
quiet)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from data360_chat.db.engine import Database
from data360_chat.db.models import Message
from tests.deploy.nginx import Proxy, nginx
from tests.support.accounts import create_user
from tests.support.app_server import Replica, app_database, prebuilt_replicas
from tests.support.browser import chromium
from tests.support.net import free_port
from tests.support.redis import own_redis
from tests.support.scripted_llm import Reply, ScriptedLLM, Text, many_words
from tests.ui.conftest import run_db, screenshot

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery staple"
TIMEOUT = 60_000
STREAMING = ".d360-streaming"
STREAMING_TEXT = """() => {
    const answer = document.querySelector(".d360-streaming");
    return answer ? (answer.querySelector(".d360-md")?.innerText ?? "") : null;
}"""
ANSWER = ".d360-answer:not(.d360-streaming)"
WORDS = 900  # at 4 characters a chunk and 40 chunks a second: about 30 s of answer
SWEEP_WITHIN = 42 + 3  # seconds: the documented bound, and a little for the page to draw it


@dataclass
class Cluster:
    replicas: list[Replica]
    proxy: Proxy
    db_url: str
    llm: ScriptedLLM

    def replica_at(self, upstream: str) -> Replica:
        return next(r for r in self.replicas if upstream.endswith(f":{r.port}"))


@pytest.fixture(scope="module")
def cluster(pg_url: str, template_db: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    reply = Reply(steps=(Text(many_words(WORDS), per_chunk=4),), chunk_delay=0.025)
    http_port, https_port = free_port(), free_port()
    with (
        own_redis() as redis,
        ScriptedLLM.in_thread([reply], repeat_last=True) as llm,
        app_database(pg_url, template_db) as db_url,
    ):
        env = {
            "REDIS_URL": redis.url,
            "PUBLIC_URL": f"https://127.0.0.1:{https_port}",
            "TRUSTED_PROXY_HOPS": "1",
            "GRANIAN_WORKERS": "1",
            "LLM_MODEL": "openai/scripted",
            "LLM_API_BASE": llm.url,
            "LLM_API_KEY": "test-key",
        }
        with (
            prebuilt_replicas(db_url, 2, env=env) as replicas,
            nginx(tmp_path_factory.mktemp("nginx"), [r.port for r in replicas], http_port, https_port) as proxy,
        ):
            yield Cluster(replicas, proxy, db_url, llm)


class Tab:
    """A Chromium tab on the proxy that knows which replica its websocket reached."""

    def __init__(self, page: Page, cluster: Cluster) -> None:
        self.page = page
        self.cluster = cluster
        self.sockets: list[str] = []  # upstream of each websocket, in order
        cdp = page.context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.on("Network.webSocketHandshakeResponseReceived", self._handshake)

    def _handshake(self, event: dict[str, Any]) -> None:
        headers = {key.lower(): value for key, value in event["response"]["headers"].items()}
        self.sockets.append(headers.get("x-upstream", ""))

    def replica(self) -> Replica:
        """The replica the tab's current websocket reached."""
        deadline = time.monotonic() + 30
        while not self.sockets and time.monotonic() < deadline:
            self.page.wait_for_timeout(100)
        return self.cluster.replica_at(self.sockets[-1])

    def reload_onto_another_replica(self, current: Replica) -> Replica:
        """Reload until the tab's websocket reaches another replica than `current`. nginx takes the replicas in
        turn for every request, so a page load of an even number of requests lands its websocket where the last
        one did: a request of someone else in between shifts the turn."""
        for _ in range(6):
            self.sockets.clear()
            self.page.reload()
            expect(self.page.get_by_label("Your question")).to_be_visible(timeout=TIMEOUT)
            if (reached := self.replica()) is not current:
                return reached
            httpx.get(f"{self.cluster.proxy.https_url}/healthz", verify=False, timeout=10)
        raise AssertionError("six reloads all reached the same replica")

    def streamed(self) -> str:
        return self.page.evaluate(STREAMING_TEXT) or ""

    def ask(self, text: str) -> None:
        self.page.get_by_label("Your question").fill(text)
        self.page.get_by_label("Your question").press("Enter")
        expect(self.page.locator(STREAMING)).to_be_visible(timeout=TIMEOUT)
        self.wait_for_text(40)

    def wait_for_text(self, length: int) -> str:
        deadline = time.monotonic() + 30
        while len(text := self.streamed()) < length:
            assert time.monotonic() < deadline, f"the streaming answer stayed at {len(text)} characters"
            self.page.wait_for_timeout(100)
        return text


def signed_in_tab(cluster: Cluster, browser: Any) -> Tab:
    email = f"u{uuid.uuid4().hex[:10]}@example.org"
    create_user(cluster.db_url, email, PASSWORD)
    context = browser.new_context(ignore_https_errors=True, viewport={"width": 1280, "height": 860})
    page = context.new_page()
    tab = Tab(page, cluster)
    page.goto(f"{cluster.proxy.https_url}/sign-in")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_label("Your question")).to_be_visible(timeout=TIMEOUT)
    return tab


def last_answer(cluster: Cluster) -> Message:
    async def read(database: Database) -> Message:
        async with database.session() as session:
            query = select(Message).where(Message.role == "assistant").order_by(Message.id.desc()).limit(1)
            return (await session.execute(query)).scalar_one()

    return run_db(cluster.db_url, read)


def test_a_reload_onto_the_other_replica_follows_the_answer_and_stop_reaches_across(cluster: Cluster) -> None:
    with chromium() as browser:
        tab = signed_in_tab(cluster, browser)
        tab.ask("Tell me a lot")
        running_on = tab.replica()
        before = tab.wait_for_text(200)
        tab.reload_onto_another_replica(running_on)
        expect(tab.page.locator(STREAMING)).to_be_visible(timeout=TIMEOUT)
        later = tab.wait_for_text(len(before) + 400)  # still growing, on the other replica
        assert later.startswith(before[:100])
        screenshot(tab.page, "replicas-followed-after-reload")
        expect(tab.page.locator(ANSWER)).to_have_count(1, timeout=TIMEOUT)
        answer = last_answer(cluster)
        assert answer.status == "complete" and answer.content == many_words(WORDS)
        expect(tab.page.locator(ANSWER).last.locator(".d360-md")).to_contain_text(many_words(WORDS)[-40:])

        tab.ask("And more")
        running_on = tab.replica()
        tab.reload_onto_another_replica(running_on)
        tab.wait_for_text(100)
        tab.page.get_by_role("button", name="Stop").click()
        expect(tab.page.locator(STREAMING)).to_have_count(0, timeout=15_000)
        expect(tab.page.get_by_text("Stopped.")).to_be_visible(timeout=TIMEOUT)
        stopped = last_answer(cluster)
        assert stopped.status == "cancelled" and 0 < len(stopped.content) < len(many_words(WORDS))
        screenshot(tab.page, "replicas-stopped-across")


def test_a_replica_killed_mid_answer_leaves_the_partial_answer_with_a_clear_status(cluster: Cluster) -> None:
    with chromium() as browser:
        tab = signed_in_tab(cluster, browser)
        tab.ask("Tell me a lot")
        victim = tab.replica()
        seen = tab.wait_for_text(900)  # about 250 characters past the last save of the text (every 2 s)
        victim.kill()
        killed_at = time.monotonic()
        failure = tab.page.get_by_text("The server stopped while this answer was being written.", exact=True)
        expect(failure).to_be_visible(timeout=SWEEP_WITHIN * 1000)
        waited = time.monotonic() - killed_at
        answer = last_answer(cluster)
        assert answer.status == "error" and answer.content.startswith(seen[:-40])  # what Redis carried: all seen
        shown = tab.page.locator(ANSWER).last.locator(".d360-md").inner_text()
        assert " ".join(shown.split()) == " ".join(answer.content.split())
        assert tab.replica() is not victim
        screenshot(tab.page, "replicas-killed-mid-answer")
        print(f"the answer of the killed replica was shown as interrupted after {waited:.1f} s")
