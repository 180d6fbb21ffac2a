"""Tool calls asked for by the model: their arguments read, run through the MCP hub, reported back to the model.

Arguments that are not one JSON object are not run: the model gets a tool error saying what was wrong, so it can
correct itself (the hub does the same for a tool it does not know). Results go back compacted to a token budget;
the full result stays here for charts.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from data360_chat.assistant.llm import RequestedCall
from data360_chat.assistant.prompt import tool_result_for_model
from data360_chat.mcp_client.results import ToolResult

MAX_ARGUMENT_CHARS = 20_000


class ToolHub(Protocol):
    """The MCP client's hub of servers and their tools."""

    def openai_tools(self) -> list[dict[str, Any]]:
        """Every tool as an OpenAI function schema."""
        ...

    async def call(
        self,
        name: str,
        arguments: dict[str, Any],
        *,
        timeout: float | None = None,  # noqa: ASYNC109  (the MCP client's signature; it enforces the limit)
    ) -> ToolResult:
        """Run a tool; failures (an unknown tool included) come back as a result with `ok=False`."""
        ...


def parse_arguments(raw: str) -> tuple[dict[str, Any], str | None]:
    """The arguments as a dict, or an empty dict and what is wrong with them."""
    if len(raw) > MAX_ARGUMENT_CHARS:
        return {}, f"The arguments are too long ({len(raw):,} characters). Send fewer values at once."
    if not raw.strip():
        return {}, None
    try:
        value = json.loads(raw)
    except (ValueError, RecursionError) as exc:
        detail = f"{exc.msg} at character {exc.pos}" if isinstance(exc, json.JSONDecodeError) else "too deeply nested"
        return {}, f"The arguments were not valid JSON ({detail}). Send them again as one JSON object."
    if not isinstance(value, dict):
        return {}, "The arguments must be a JSON object with the tool's parameters."
    return value, None


@dataclass
class ToolRun:
    """One requested call: its parsed arguments, why it was not run (if so), and its result."""

    call: RequestedCall
    arguments: dict[str, Any]
    problem: str | None = None
    row_id: int | None = None
    result: ToolResult | None = None
    duration_ms: int = 0
    finished: bool = False

    @property
    def ok(self) -> bool:
        """The tool ran and succeeded."""
        return self.problem is None and self.result is not None and bool(self.result.ok)

    @property
    def error(self) -> str | None:
        """Why the call failed, in words the model and a person can read."""
        if self.problem:
            return self.problem
        if self.result is not None and not self.result.ok:
            return self.result.error or "The tool failed without saying why."
        return None

    @property
    def stored_arguments(self) -> dict[str, Any]:
        """The arguments as stored: parsed, or the raw text when it was not valid JSON."""
        return self.arguments if self.arguments or not self.call.arguments.strip() else {"raw": self.call.arguments}


def prepare(calls: Sequence[RequestedCall]) -> list[ToolRun]:
    """Runs for the calls, with malformed arguments marked as problems."""
    return [ToolRun(call, *parse_arguments(call.arguments)) for call in calls]


async def execute(run: ToolRun, hub: ToolHub, time_limit: float) -> None:
    """Run the call (unless it has a problem or no time is left) and record how it went."""
    started = time.perf_counter()
    try:
        if run.problem is None:
            if time_limit <= 0:
                run.problem = "No time was left for this tool call within the answer's time limit."
            else:
                run.result = await hub.call(run.call.name, run.arguments, timeout=time_limit)
    except asyncio.CancelledError:
        raise
    except Exception as exc:  # the hub reports failures as results; anything else must not end the answer
        run.problem = f"The tool call failed: {type(exc).__name__}: {exc}"
    finally:
        run.duration_ms = int((time.perf_counter() - started) * 1000)
    run.finished = True


def assistant_message(text: str, runs: Sequence[ToolRun]) -> dict[str, Any]:
    """The model's tool-calling turn as it goes back into the conversation."""
    return {
        "role": "assistant",
        "content": text or None,
        "tool_calls": [
            {
                "id": run.call.call_id,
                "type": "function",
                "function": {"name": run.call.name, "arguments": json.dumps(run.arguments)},
            }
            for run in runs
        ],
    }


def tool_message(run: ToolRun, budget: int) -> dict[str, Any]:
    """The result the model sees: compact data within the budget, or the error."""
    if run.error is not None or run.result is None:
        content = json.dumps({"error": run.error}, ensure_ascii=False)
    else:
        payload = run.result.data if run.result.data is not None else run.result.text
        content = tool_result_for_model(payload, budget)
    return {"role": "tool", "tool_call_id": run.call.call_id, "content": content}


def stored_result(run: ToolRun) -> str:
    """The result kept with the stored tool call (bounded by the repository)."""
    if run.result is None:
        return ""
    if run.result.text:
        return run.result.text
    return json.dumps(run.result.data, ensure_ascii=False, default=str)
