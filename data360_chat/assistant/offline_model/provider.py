"""The offline model as a LiteLLM custom provider: the same streaming pipeline runs with no API key.

Each call reads the conversation, lets the planner choose the next step, and streams it: tool calls at once, text
word by word at a realistic pace, then usage.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from litellm import CustomLLM
from litellm.types.utils import GenericStreamingChunk

from data360_chat.assistant.offline_model.conversation import read_conversation
from data360_chat.assistant.offline_model.planner import CallTools, next_step
from data360_chat.assistant.offline_model.uploads import upload_step
from data360_chat.assistant.prompt import estimate_tokens, message_tokens
from data360_chat.geography import gazetteer_for

PIECE = re.compile(r"\S+\s*|\s+")
DEFAULT_SPEED = 60.0


def _chunk(text: str = "", *, tool: dict[str, Any] | None = None, finish: str = "") -> GenericStreamingChunk:
    return {
        "text": text,
        "tool_use": tool,  # type: ignore[typeddict-item]
        "is_finished": bool(finish),
        "finish_reason": finish,
        "usage": None,
        "index": 0,
    }


class OfflineModel(CustomLLM):
    """A deterministic analyst that plans Data360 tool calls and writes answers from their results."""

    async def astreaming(self, **kwargs: Any) -> AsyncIterator[GenericStreamingChunk]:  # type: ignore[override]
        """Stream the next step for the conversation in `messages` (LiteLLM passes everything by keyword)."""
        messages: list[dict[str, Any]] = kwargs["messages"]
        options: dict[str, Any] = kwargs.get("optional_params") or {}
        extra = options.get("extra_body") or {}
        speed = float(extra.get("words_per_second") or DEFAULT_SPEED)
        countries = extra.get("countries_csv")
        tools = {tool["function"]["name"] for tool in options.get("tools") or [] if "function" in tool}
        if options.get("tool_choice") == "none":
            tools = set()
        question, exchanges = read_conversation(messages)
        gazetteer = gazetteer_for(Path(countries) if countries else None)
        step = upload_step(question, exchanges, tools, gazetteer) or next_step(question, exchanges, tools, gazetteer)
        await asyncio.sleep(4 / speed)  # reading the question
        completion = 0
        if isinstance(step, CallTools):
            for index, (name, arguments) in enumerate(step.calls):
                raw = json.dumps(arguments)
                completion += estimate_tokens(raw)
                yield _chunk(
                    tool={
                        "id": f"call_offline_{len(exchanges) + index}",
                        "type": "function",
                        "function": {"name": name, "arguments": raw},
                        "index": index,
                    }
                )
            finish = "tool_calls"
        else:
            for piece in PIECE.findall(step.text):
                completion += 1
                yield _chunk(piece)
                await asyncio.sleep(1 / speed)
            finish = "stop"
        prompt = sum(message_tokens(message) for message in messages)
        last = _chunk(finish=finish)
        last["usage"] = {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}
        yield last
