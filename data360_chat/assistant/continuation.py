"""Continue: an answer cut short is taken up where its text stopped, in the same answer.

The model is sent the conversation, the question, the answer's earlier tool calls with their stored results (so it
can go on citing the same data), the text so far as its own turn, and a request to go on from the last character
(an answer cut off before any text is simply answered from there).
"""

from __future__ import annotations

import json
from typing import Any

from data360_chat.assistant.prompt import system_prompt, tool_result_for_model, trim_history
from data360_chat.assistant.store import Resumed
from data360_chat.db.models import ToolCall
from data360_chat.mcp_client.results import ToolResult, stored_result

CONTINUE_REQUEST = (
    "Your answer above was cut off. Continue it exactly where it stopped: begin with the very next characters "
    "(in the middle of a word or sentence if that is where it stopped), repeat nothing and do not start over."
)


def _call_id(call: ToolCall) -> str:
    return call.call_id or f"call_{call.id}"


def _tool_turns(calls: list[ToolCall], budget: int) -> list[dict[str, Any]]:
    """The earlier tool calls as one tool-calling turn and its results."""
    finished = [call for call in calls if call.status != "running"]
    if not finished:
        return []
    asked = {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {
                "id": _call_id(call),
                "type": "function",
                "function": {"name": call.tool_name, "arguments": json.dumps(call.arguments or {})},
            }
            for call in finished
        ],
    }
    results = [
        {
            "role": "tool",
            "tool_call_id": _call_id(call),
            "content": tool_result_for_model(call.result or "", budget)
            if call.status == "ok"
            else json.dumps({"error": call.error}, ensure_ascii=False),
        }
        for call in finished
    ]
    return [asked, *results]


def continuation_messages(resumed: Resumed, *, history_budget: int, tool_budget: int) -> list[dict[str, Any]]:
    """What the model is sent to continue `resumed`."""
    history = trim_history([*resumed.history, {"role": "user", "content": resumed.question}], history_budget)
    messages = [{"role": "system", "content": system_prompt()}, *history, *_tool_turns(resumed.tool_calls, tool_budget)]
    if not resumed.text:  # cut off before any text: the model answers from the data it has
        return messages
    return [*messages, {"role": "assistant", "content": resumed.text}, {"role": "user", "content": CONTINUE_REQUEST}]


def earlier_results(resumed: Resumed) -> list[ToolResult]:
    """The data the answer fetched before it was cut short (for its sources and the check of its numbers)."""
    return [stored_result(call.tool_name, call.result or "") for call in resumed.tool_calls if call.status == "ok"]
