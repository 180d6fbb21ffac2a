"""What an answer streams: typed events, in the order they happen.

`answer()` yields `AnswerStarted` first and `AnswerDone` last; in between come text deltas, tool steps, charts,
sources and usage. `AnswerFailed` precedes an `AnswerDone` with status `error` and says what went wrong in words a
person understands. An answer the model did not finish is kept with its text and says why in its status:
`cut_off` (the stream ended without a finish reason), `too_long` (the model's length limit), `filtered` (the
provider's content filter).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any, Literal

AnswerStatus = Literal["complete", "cut_off", "too_long", "filtered", "cancelled", "error"]
CUT_SHORT: tuple[AnswerStatus, ...] = ("cut_off", "too_long", "filtered")
ENDED_STATUSES: tuple[AnswerStatus, ...] = ("complete", *CUT_SHORT, "cancelled", "error")


@dataclass(frozen=True, slots=True)
class AnswerStarted:
    """The user's message is stored and the answer (status `streaming`) exists (`chat_id` None: not stored)."""

    chat_id: uuid.UUID | None
    user_message_id: int
    message_id: int
    model: str
    offline: bool


@dataclass(frozen=True, slots=True)
class TextDelta:
    """More text of the answer."""

    text: str


@dataclass(frozen=True, slots=True)
class ToolStarted:
    """A tool call began. `call_id` is the model's id for it; `tool_call_id` the stored row's id."""

    call_id: str
    tool_call_id: int | None
    name: str
    arguments: dict[str, Any]


@dataclass(frozen=True, slots=True)
class ToolFinished:
    """A tool call ended, well or with an error the model is told about."""

    call_id: str
    tool_call_id: int | None
    name: str
    ok: bool
    duration_ms: int
    error: str | None


@dataclass(frozen=True, slots=True)
class ChartReady:
    """A Plotly figure (template stripped) built from tool data; `source` names the indicator and its link."""

    chart_id: int | None
    title: str
    figure: dict[str, Any]
    source: dict[str, Any]
    summary: str = ""
    points: int = 0


@dataclass(frozen=True, slots=True)
class SourcesReady:
    """Where the answer's data comes from: indicator name and id, database, countries, years, link."""

    sources: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class UsageReported:
    """Tokens the model reported for the whole answer; `None` when the stream ended before it said."""

    prompt_tokens: int | None
    completion_tokens: int | None


@dataclass(frozen=True, slots=True)
class AnswerFailed:
    """The answer could not be completed; `message` is a sentence for the person asking."""

    message: str


@dataclass(frozen=True, slots=True)
class AnswerDone:
    """The answer ended; its stored status, latency, how many of its numbers were found in the data, and the check
    of each number (`grounding.NumberCheck.as_json()`)."""

    message_id: int
    status: AnswerStatus
    latency_ms: int
    grounded_share: float | None
    ungrounded_numbers: list[str] = field(default_factory=list)
    number_checks: list[dict[str, Any]] = field(default_factory=list)


AnswerEvent = (
    AnswerStarted
    | TextDelta
    | ToolStarted
    | ToolFinished
    | ChartReady
    | SourcesReady
    | UsageReported
    | AnswerFailed
    | AnswerDone
)
