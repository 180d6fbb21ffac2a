"""A whole chat as Markdown: each question and answer, with the answer's sources, tool calls, charts and rating."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

from data360_chat.repositories.conversations import Conversation, Turn

RATINGS = {1: "thumbs up", -1: "thumbs down"}


def export_filename(title: str, extension: str) -> str:
    """A file name from the chat's title (ASCII letters, digits and dashes)."""
    slug = re.sub(r"[^A-Za-z0-9]+", "-", title).strip("-").lower()[:60]
    return f"{slug or 'chat'}.{extension}"


def _answer(turn: Turn, charts_url: str) -> list[str]:
    message = turn.message
    facts = [message.model or "", message.status]
    if message.latency_ms is not None:
        facts.append(f"{message.latency_ms / 1000:.1f} s")
    lines = [f"## Answer ({' · '.join(fact for fact in facts if fact)})", "", message.content.strip() or "*(empty)*"]
    if message.error:
        lines += ["", f"> Error: {message.error}"]
    if turn.tool_calls:
        lines += ["", "**Tool calls**", ""]
        for call in turn.tool_calls:
            took = f", {call.duration_ms} ms" if call.duration_ms is not None else ""
            lines.append(
                f"- `{call.tool_name}` {call.status}{took}: `{json.dumps(call.arguments, ensure_ascii=False)}`"
            )
    if turn.charts:
        lines += ["", "**Charts**", ""]
        lines += [f"- {chart.title} ([CSV]({charts_url}/{chart.id}.csv))" for chart in turn.charts]
    if message.sources:
        lines += ["", "**Sources**", ""]
        for source in message.sources:
            name = source.get("name") or source.get("indicator_id") or "source"
            url = source.get("url")
            lines.append(f"- [{name}]({url})" if url else f"- {name}")
    if turn.feedback is not None:
        comment = f": {turn.feedback.comment}" if turn.feedback.comment else ""
        lines += ["", f"*Rated {RATINGS.get(turn.feedback.rating, turn.feedback.rating)}{comment}*"]
    return lines


def conversation_markdown(conversation: Conversation, *, charts_url: str) -> str:
    """The chat as one Markdown document."""
    chat = conversation.chat
    exported = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [f"# {chat.title}", "", f"Started {chat.created_at:%Y-%m-%d %H:%M UTC} · exported {exported}"]
    for turn in conversation.turns:
        lines.append("")
        if turn.message.role == "user":
            lines += ["## Question", "", turn.message.content.strip()]
        else:
            lines += _answer(turn, charts_url)
    return "\n".join(lines) + "\n"
