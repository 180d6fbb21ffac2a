"""Websocket bytes per answer character, visible updates per second and first-token latency of a streamed answer;
backend memory per connected tab.

A scripted OpenAI-compatible server streams a 4,000-character answer at 50 tokens/s (4 characters a token) into
the whole app; headless Chromium counts every websocket frame the page receives from Send until the answer is
final, for a chat with 2 and with 200 earlier messages. Targets: ≤ 8 bytes per answer character (the same for 2
and 200), ≥ 8 visible updates a second, first token on screen ≤ 100 ms after the model server sent it.
Runs against BENCH_DATABASE_URL (a `postgresql://` server URL) or the embedded test server.
Usage: `PYTHONPATH=. .venv/bin/python bench/ws_bytes.py`.
"""

from __future__ import annotations

import contextlib
import os
import statistics
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from playwright.sync_api import Page

from data360_chat.db.engine import Database
from data360_chat.db.migrate import upgrade
from data360_chat.repositories.chats import create_chat
from data360_chat.repositories.messages import add_user_message, start_answer, update_message
from data360_chat.settings import PROJECT_ROOT
from tests.support.accounts import create_user, session_cookie
from tests.support.app_server import RunningApp, admin_sql, running_app
from tests.support.browser import chromium
from tests.support.postgres import database_url_for, server_url
from tests.support.scripted_llm import Reply, ScriptedLLM, Text
from tests.ui.conftest import run_db

ANSWER_CHARS = 4000
CHARS_PER_TOKEN = 4
TOKENS_PER_SECOND = 50
PRIOR = (2, 200)
EMAIL, PASSWORD = "bench@example.org", "correct horse battery staple"
EARLIER_ANSWER = (
    "**GDP per capita** grew steadily over the period.\n\n"
    "| Year | Value |\n|---|---|\n| 2000 | 1,234 |\n| 2020 | 5,678 |\n\n"
) * 3

WATCH_STREAM = """() => {
  window.__updates = [];
  const observer = new MutationObserver(() => {
    const node = document.querySelector('.d360-streaming .d360-md');
    const length = node ? node.textContent.length : -1;
    const last = window.__updates[window.__updates.length - 1];
    const now = performance.timeOrigin + performance.now();
    if (length > 0 && (!last || last[1] !== length)) window.__updates.push([now, length]);
  });
  observer.observe(document.body, {subtree: true, childList: true, characterData: true});
}"""


def answer_text() -> str:
    """4,000 characters of distinct words (a model never repeats one chunk for long)."""
    words, number = [], 0
    while sum(len(w) + 1 for w in words) < ANSWER_CHARS:
        words.append(f"w{number:04d}x")
        number += 1
    return " ".join(words)[:ANSWER_CHARS]


@contextlib.contextmanager
def bench_database() -> Iterator[str]:
    """A fresh migrated database with the bench user; dropped afterwards."""
    server = os.environ.get("BENCH_DATABASE_URL") or server_url(PROJECT_ROOT / ".data", "test-postgres")
    name = f"d360_bench_ui_{uuid.uuid4().hex[:8]}"
    admin_sql(server, f'CREATE DATABASE "{name}"')
    url = database_url_for(server, name)
    try:
        upgrade(url)
        create_user(url, EMAIL, PASSWORD)
        yield url
    finally:
        admin_sql(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def seed_chat(db_url: str, prior: int, *, charts: int = 0, figure: dict | None = None, rows: list | None = None) -> str:
    """A chat of the bench user with `prior` earlier messages (questions and answers), `charts` answers (spread
    evenly, the last one among them) with a chart."""
    from data360_chat.repositories.charts import add_chart
    from data360_chat.repositories.users import get_user_by_email

    async def seed(database: Database) -> str:
        async with database.session() as session:
            user = await get_user_by_email(session, EMAIL)
            assert user is not None
            chat = await create_chat(session, user.id, f"{prior} earlier messages")
            for turn in range(prior // 2):
                await add_user_message(session, user.id, chat.id, f"Question {turn}: GDP per capita in country {turn}?")
                answer = await start_answer(session, user.id, chat.id, "openai/scripted")
                assert answer.id is not None
                await update_message(session, user.id, answer.id, content=EARLIER_ANSWER, status="complete")
                if charts and figure is not None and (turn + 1) % max(1, prior // 2 // charts) == 0:
                    await add_chart(session, user.id, answer.id, title=f"Chart {turn}", figure=figure, data=rows or [])
        return str(chat.id)

    return run_db(db_url, seed)


def backend_rss_kb(port: int) -> int:
    """Resident memory of the app's backend processes (those serving `port`), in KB."""
    total = 0
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            if f"--backend-port {port}" in cmdline and "reflex" in cmdline:
                status = (proc / "status").read_text()
                total += int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmRSS")))
    return total


def measure_answer(page: Page, app: RunningApp, chat_id: str, llm: ScriptedLLM, clock_offset: float) -> dict[str, Any]:
    """Ask once in the chat; bytes received over the websocket, updates seen, first-token latency."""
    frames: list[tuple[float, int]] = []
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.on(
        "Network.webSocketFrameReceived",
        lambda event: frames.append((time.time(), len(event["response"]["payloadData"].encode()))),
    )
    page.goto(f"{app.url}/?chat={chat_id}")
    page.wait_for_selector(".d360-answer", timeout=60_000)
    page.wait_for_timeout(1500)
    page.evaluate(WATCH_STREAM)
    frames.clear()
    requests_before = len(llm.requests)
    started = time.time()
    box = page.get_by_label("Your question")
    box.fill("Tell me about GDP per capita")
    box.press("Enter")
    page.wait_for_selector(".d360-streaming", timeout=60_000)
    page.wait_for_selector(".d360-streaming", state="detached", timeout=120_000)
    page.wait_for_timeout(1000)
    final = page.locator(".d360-answer").last.locator(".d360-md").inner_text()
    assert len(final.strip()) >= ANSWER_CHARS - 10, f"answer on screen has {len(final)} characters"
    updates = page.evaluate("window.__updates")
    cdp.detach()
    received = sum(size for at, size in frames if at >= started)
    record = llm.requests[requests_before]
    assert record.first_chunk_at is not None
    first_token_sent_ms = (record.first_chunk_at + clock_offset) * 1000
    span = (updates[-1][0] - updates[0][0]) / 1000 if len(updates) > 1 else 0
    return {
        "bytes": received,
        "bytes_per_char": received / ANSWER_CHARS,
        "frames": len([1 for at, _ in frames if at >= started]),
        "updates_per_s": (len(updates) - 1) / span if span else 0.0,
        "first_token_ms": updates[0][0] - first_token_sent_ms if updates else float("nan"),
    }


def main() -> None:
    """Measure and print."""
    reply = Reply(steps=(Text(answer_text(), per_chunk=CHARS_PER_TOKEN),), chunk_delay=1 / TOKENS_PER_SECOND)
    clock_offset = time.time() - time.perf_counter()
    with bench_database() as db_url, ScriptedLLM.in_thread([reply], repeat_last=True) as llm:
        chats = {prior: seed_chat(db_url, prior) for prior in PRIOR}
        env = {"LLM_MODEL": "openai/scripted", "LLM_API_BASE": llm.url, "LLM_API_KEY": "bench", "DATA360_MCP_URL": ""}
        with running_app(db_url, env=env) as app, chromium() as browser:
            cookie = session_cookie(app.url, EMAIL, PASSWORD)
            results: dict[int, list[dict[str, Any]]] = {prior: [] for prior in PRIOR}
            for _ in range(2):
                for prior, chat_id in chats.items():
                    context = browser.new_context(viewport={"width": 1280, "height": 900})
                    context.add_cookies([cookie])
                    results[prior].append(measure_answer(context.new_page(), app, chat_id, llm, clock_offset))
                    context.close()
            for prior, runs in results.items():
                print(
                    f"{prior:>3} earlier messages: "
                    f"{statistics.median(r['bytes_per_char'] for r in runs):.2f} B/char "
                    f"({statistics.median(r['bytes'] for r in runs):,.0f} B, "
                    f"{statistics.median(r['frames'] for r in runs):.0f} frames), "
                    f"{statistics.median(r['updates_per_s'] for r in runs):.1f} visible updates/s, "
                    f"first token on screen {statistics.median(r['first_token_ms'] for r in runs):.0f} ms after sent"
                )
            memory_per_session(browser, app, cookie, chats[2])


def memory_per_session(browser: Any, app: RunningApp, cookie: dict[str, Any], chat_id: str, tabs: int = 20) -> None:
    """Backend memory growth per connected tab (each with the 2-message chat open)."""
    before = backend_rss_kb(app.port)
    contexts = []
    for _ in range(tabs):
        context = browser.new_context()
        context.add_cookies([cookie])
        page = context.new_page()
        page.goto(f"{app.url}/?chat={chat_id}")
        page.wait_for_selector(".d360-answer", timeout=60_000)
        contexts.append(context)
    time.sleep(2)
    after = backend_rss_kb(app.port)
    print(
        f"backend memory: {before / 1024:.0f} MB → {after / 1024:.0f} MB with {tabs} more tabs: "
        f"{(after - before) / tabs:.0f} KB per connected session"
    )
    for context in contexts:
        context.close()


if __name__ == "__main__":
    main()
