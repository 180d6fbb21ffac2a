"""`ask`: answer one question in the terminal, with the same model, tools and settings as the app."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import uuid
from contextlib import AsyncExitStack
from typing import Any, TextIO

from data360_chat.settings import Settings, get_settings

CLI_USER_EMAIL = "cli@localhost"
CUT_SHORT_NOTES = {
    "cut_off": "the model's stream ended before the answer was finished (cut_off)",
    "too_long": "the model reached its length limit (too_long)",
    "filtered": "the model provider's content filter stopped it (filtered)",
}
EXIT_CUT_SHORT = 3
DESCRIPTION = """\
Answer one question about World Bank data. The answer streams to standard output; tool steps go to standard
error. The model is LLM_MODEL (the built-in offline model when unset); the Data360 MCP server is DATA360_MCP_URL
(the built-in offline server is started when unset).

Nothing is stored unless --save is given. With --save the question and answer go to the database (DATABASE_URL,
or the embedded one) in a new chat, or in --chat CHAT_ID, owned by the account --user EMAIL; without --user that
is a local command-line account, cli@localhost, created on first use without a password (it cannot sign in on the
web). The chat id is printed at the end.
"""


def register(commands: argparse._SubParsersAction) -> None:
    """Add the `ask` command."""
    parser = commands.add_parser(
        "ask",
        help="answer one question in the terminal",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("question", help="the question, in quotes")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of streaming text")
    parser.add_argument("--save", action="store_true", help="store the question and answer in the database")
    parser.add_argument("--user", metavar="EMAIL", help=f"account that owns the saved chat (default {CLI_USER_EMAIL})")
    parser.add_argument("--chat", metavar="CHAT_ID", type=uuid.UUID, help="continue this saved chat (with --save)")
    parser.set_defaults(run=run)


class Terminal:
    """Streams the answer to stdout and the steps to stderr."""

    def __init__(self, out: TextIO, err: TextIO) -> None:
        self.out = out
        self.err = err

    def handle(self, event: Any) -> None:
        """Show one event as it happens."""
        from data360_chat.assistant import events

        match event:
            case events.AnswerStarted(model=model, offline=offline):
                label = "the built-in offline model (rule-based, no LLM)" if offline else model
                print(f"· answering with {label}", file=self.err)
            case events.TextDelta(text=text):
                self.out.write(text)
                self.out.flush()
            case events.ToolStarted(name=name, arguments=arguments):
                print(f"\n→ {name} {json.dumps(arguments, ensure_ascii=False)[:200]}", file=self.err)
            case events.ToolFinished(name=name, ok=ok, duration_ms=ms, error=error):
                outcome = f"✓ {name} ({ms} ms)" if ok else f"✗ {name} ({ms} ms): {error}"
                print(outcome, file=self.err)
            case events.ChartReady(title=title, points=points):
                print(f"· chart: {title} ({points} points)", file=self.err)
            case events.SourcesReady(sources=sources) if sources:
                self.out.write("\n\nSources:\n")
                for source in sources:
                    years = f"{source['start_year']}–{source['end_year']}" if source["start_year"] else ""
                    where = ", ".join(source["countries"][:8])
                    self.out.write(f"- {source['name']} ({source['indicator_id']}), {where} {years}: {source['url']}\n")
            case events.UsageReported(prompt_tokens=prompt, completion_tokens=completion):
                tokens = f"{prompt} prompt + {completion} completion tokens" if prompt is not None else "tokens unknown"
                print(f"\n· {tokens}", file=self.err)
            case events.AnswerFailed(message=message):
                print(f"\nerror: {message}", file=self.err)
            case events.AnswerDone(latency_ms=ms, grounded_share=share, ungrounded_numbers=ungrounded, status=status):
                if status in events.CUT_SHORT:
                    print(f"\n· the answer is unfinished: {CUT_SHORT_NOTES[status]}", file=self.err)
                grounded = f", {share:.0%} of numbers found in the data" if share is not None else ""
                flagged = f" (not found: {', '.join(ungrounded)})" if ungrounded else ""
                print(f"· {ms / 1000:.1f} s{grounded}{flagged}", file=self.err)
                self.out.write("\n")
                self.out.flush()


class Collector:
    """Gathers the whole answer into one JSON object."""

    def __init__(self, question: str) -> None:
        self.result: dict[str, Any] = {"question": question, "answer": "", "sources": [], "charts": []}
        self._text: list[str] = []
        self._tools: dict[str, dict[str, Any]] = {}

    def handle(self, event: Any) -> None:
        """Record one event."""
        from data360_chat.assistant import events

        match event:
            case events.AnswerStarted(model=model, offline=offline, chat_id=chat_id):
                self.result.update(
                    model=model, offline=offline, chat_id=str(chat_id) if chat_id and chat_id.int else None
                )
            case events.TextDelta(text=text):
                self._text.append(text)
            case events.ToolStarted(call_id=call_id, name=name, arguments=arguments):
                self._tools[call_id] = {"name": name, "arguments": arguments}
            case events.ToolFinished(call_id=call_id, ok=ok, duration_ms=ms, error=error):
                self._tools[call_id].update(ok=ok, duration_ms=ms, error=error)
            case events.ChartReady(title=title, points=points, summary=summary):
                self.result["charts"].append({"title": title, "points": points, "summary": summary})
            case events.SourcesReady(sources=sources):
                self.result["sources"] = sources
            case events.UsageReported(prompt_tokens=prompt, completion_tokens=completion):
                self.result["usage"] = {"prompt_tokens": prompt, "completion_tokens": completion}
            case events.AnswerFailed(message=message):
                self.result["error"] = message
            case events.AnswerDone() as done:
                self.result.update(
                    status=done.status,
                    latency_ms=done.latency_ms,
                    grounded_share=done.grounded_share,
                    ungrounded_numbers=done.ungrounded_numbers,
                    number_checks=done.number_checks,
                )

    def finish(self) -> dict[str, Any]:
        """The JSON object: answer, status, sources, charts, tool calls (with their arguments), usage, the grounded
        share and the check of each number."""
        return {**self.result, "answer": "".join(self._text), "tool_calls": list(self._tools.values())}


async def _owner(database: Any, email: str | None) -> uuid.UUID:
    """The account that owns saved chats: `--user`, or the local command-line account."""
    from data360_chat.repositories.users import create_user, get_user_by_email

    async with database.session() as session:
        user = await get_user_by_email(session, email or CLI_USER_EMAIL)
        if user is None:
            if email:
                raise LookupError(f"There is no account with the email {email}.")
            user = await create_user(session, CLI_USER_EMAIL, display_name="Command line")
        return user.id


async def _chat(database: Any, user_id: uuid.UUID, chat_id: uuid.UUID | None, question: str) -> uuid.UUID:
    from data360_chat.repositories.chats import create_chat, get_chat

    async with database.session() as session:
        if chat_id is not None:
            if await get_chat(session, user_id, chat_id) is None:
                raise LookupError(f"There is no chat {chat_id} for this account.")
            return chat_id
        return (await create_chat(session, user_id, title=question[:80])).id


async def ask(args: argparse.Namespace, settings: Settings, handler: Terminal | Collector) -> str:
    """Answer the question, feeding every event to `handler`; the answer's final status."""
    from data360_chat.assistant.events import AnswerDone
    from data360_chat.assistant.pipeline import answer
    from data360_chat.mcp_client import McpHub

    async with AsyncExitStack() as stack:
        if not settings.data360_mcp_url:
            from data360_chat.offline_mcp.process import start_offline_server

            server = stack.enter_context(start_offline_server(settings))
            settings = settings.model_copy(update={"data360_mcp_url": server.url})
        hub = McpHub(settings)
        await hub.start()
        stack.push_async_callback(hub.close)
        database = user_id = chat_id = None
        if args.save:
            from data360_chat.commands.migrate import prepare_database
            from data360_chat.db.engine import Database, resolve_database_url

            url = await asyncio.to_thread(resolve_database_url, settings)
            await asyncio.to_thread(prepare_database, url)
            database = Database(url, pool_size=2, max_overflow=0)
            stack.push_async_callback(database.dispose)
            user_id = await _owner(database, args.user)
            chat_id = await _chat(database, user_id, args.chat, args.question)
        status = "error"
        async for event in answer(user_id, chat_id, args.question, database=database, hub=hub, settings=settings):
            handler.handle(event)
            if isinstance(event, AnswerDone):
                status = event.status
        if chat_id is not None and isinstance(handler, Terminal):
            print(f"· saved in chat {chat_id}", file=handler.err)
        return status


def run(args: argparse.Namespace) -> int:
    """Answer and exit: 0 when complete, 1 when the answer failed, 2 for a message that cannot be sent, 3 when the
    answer was cut short (kept with its text; `status` says why)."""
    from data360_chat.assistant.pipeline import MessageRejected
    from data360_chat.db.engine import DatabaseUnavailable

    if args.chat and not args.save:
        print("error: --chat needs --save", file=sys.stderr)
        return 2
    handler: Terminal | Collector = Collector(args.question) if args.json else Terminal(sys.stdout, sys.stderr)
    try:
        status = asyncio.run(ask(args, get_settings(), handler))
    except MessageRejected as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except (LookupError, DatabaseUnavailable) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nstopped", file=sys.stderr)
        return 130
    if isinstance(handler, Collector):
        print(json.dumps(handler.finish(), ensure_ascii=False, indent=2, default=str))
    if status in CUT_SHORT_NOTES:
        return EXIT_CUT_SHORT
    return 0 if status == "complete" else 1
