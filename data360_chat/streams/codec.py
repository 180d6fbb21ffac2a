"""Answer events as JSON, to pass them between replicas."""

from __future__ import annotations

import dataclasses
import json
import uuid
from typing import Any

from data360_chat.assistant import events

EVENT_TYPES: dict[str, type] = {
    cls.__name__: cls
    for cls in (
        events.AnswerStarted,
        events.TextDelta,
        events.ToolStarted,
        events.ToolFinished,
        events.ChartReady,
        events.SourcesReady,
        events.UsageReported,
        events.AnswerFailed,
        events.AnswerDone,
    )
}


def encode(event: events.AnswerEvent) -> bytes:
    """The event as compact JSON, tagged with its type."""
    fields = {f.name: getattr(event, f.name) for f in dataclasses.fields(event)}
    return json.dumps({"type": type(event).__name__, **fields}, separators=(",", ":"), default=str).encode()


def decode(data: bytes | str) -> events.AnswerEvent:
    """The event `encode` wrote."""
    fields: dict[str, Any] = json.loads(data)
    cls = EVENT_TYPES[fields.pop("type")]
    if cls is events.AnswerStarted and fields["chat_id"] is not None:
        fields["chat_id"] = uuid.UUID(fields["chat_id"])
    return cls(**fields)
