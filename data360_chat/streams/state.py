"""What a follower sees of an answer: the whole of it so far (`AnswerSnapshot`) and what changed (`AnswerUpdate`).

A snapshot is the fold of the answer's events; an update carries only what is new since the previous update (new
text, tool steps that started or changed, new charts), except the first one, which carries the snapshot.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from data360_chat.assistant.events import (
    AnswerDone,
    AnswerEvent,
    AnswerFailed,
    AnswerStarted,
    ChartReady,
    SourcesReady,
    TextDelta,
    ToolFinished,
    ToolStarted,
    UsageReported,
)

StreamStatus = Literal["streaming", "complete", "cut_off", "too_long", "filtered", "cancelled", "error"]


@dataclass(frozen=True, slots=True)
class ToolStep:
    """One tool call of the answer: `running` until it ends `ok` or with an `error`."""

    call_id: str
    tool_call_id: int | None
    name: str
    arguments: dict[str, Any]
    status: Literal["running", "ok", "error"] = "running"
    duration_ms: int | None = None
    error: str | None = None


@dataclass
class AnswerSnapshot:
    """Everything an answer has produced so far."""

    chat_id: uuid.UUID | None = None
    user_message_id: int | None = None
    message_id: int | None = None
    model: str = ""
    offline: bool = False
    pieces: list[str] = field(default_factory=list)
    tools: dict[str, ToolStep] = field(default_factory=dict)
    charts: list[ChartReady] = field(default_factory=list)
    sources: list[dict[str, Any]] | None = None
    usage: UsageReported | None = None
    failure: str | None = None
    done: AnswerDone | None = None

    @classmethod
    def of(cls, events: Iterable[AnswerEvent]) -> AnswerSnapshot:
        """The snapshot after `events`."""
        snapshot = cls()
        for event in events:
            snapshot.apply(event)
        return snapshot

    @property
    def text(self) -> str:
        """The answer's text so far."""
        return "".join(self.pieces)

    @property
    def status(self) -> StreamStatus:
        """`streaming` until the answer ended, then how it ended."""
        return "streaming" if self.done is None else self.done.status

    def apply(self, event: AnswerEvent) -> None:
        """Fold one more event in."""
        match event:
            case AnswerStarted():
                self.chat_id, self.user_message_id, self.message_id = (
                    event.chat_id,
                    event.user_message_id,
                    event.message_id,
                )
                self.model, self.offline = event.model, event.offline
            case TextDelta():
                self.pieces.append(event.text)
            case ToolStarted():
                self.tools[event.call_id] = ToolStep(event.call_id, event.tool_call_id, event.name, event.arguments)
            case ToolFinished():
                earlier = self.tools.get(event.call_id) or ToolStep(event.call_id, event.tool_call_id, event.name, {})
                self.tools[event.call_id] = dataclasses.replace(
                    earlier, status="ok" if event.ok else "error", duration_ms=event.duration_ms, error=event.error
                )
            case ChartReady():
                self.charts.append(event)
            case SourcesReady():
                self.sources = event.sources
            case UsageReported():
                self.usage = event
            case AnswerFailed():
                self.failure = event.message
            case AnswerDone():
                self.done = event


@dataclass(frozen=True)
class AnswerUpdate:
    """What changed in an answer since the previous update; the first update (`first`) carries all of it.

    Apply it with: on `first` start afresh; append `text`; replace tool steps by `call_id` (new ones go last);
    append `charts`; take `sources`, `usage`, `failure` and `done` when they are not None.
    """

    first: bool
    chat_id: uuid.UUID | None
    message_id: int | None
    user_message_id: int | None
    model: str
    offline: bool
    text: str = ""
    tools: tuple[ToolStep, ...] = ()
    charts: tuple[ChartReady, ...] = ()
    sources: list[dict[str, Any]] | None = None
    usage: UsageReported | None = None
    failure: str | None = None
    done: AnswerDone | None = None

    @property
    def status(self) -> StreamStatus:
        """`streaming`, or how the answer ended when this update ends it."""
        return "streaming" if self.done is None else self.done.status


class UpdateBuilder:
    """Keeps an answer's snapshot and turns batches of its events into `AnswerUpdate`s."""

    def __init__(self) -> None:
        self.snapshot = AnswerSnapshot()

    def first(self, events: Iterable[AnswerEvent]) -> AnswerUpdate:
        """The update carrying everything in `events` (what the answer produced so far)."""
        for event in events:
            self.snapshot.apply(event)
        s = self.snapshot
        return self._update(
            first=True,
            text=s.text,
            tools=tuple(s.tools.values()),
            charts=tuple(s.charts),
            sources=s.sources,
            usage=s.usage,
            failure=s.failure,
        )

    def next(self, events: Iterable[AnswerEvent]) -> AnswerUpdate:
        """The update carrying only what `events` add."""
        text: list[str] = []
        changed: dict[str, None] = {}
        charts: list[ChartReady] = []
        news: dict[str, Any] = {}
        for event in events:
            self.snapshot.apply(event)
            match event:
                case TextDelta():
                    text.append(event.text)
                case ToolStarted() | ToolFinished():
                    changed[event.call_id] = None
                case ChartReady():
                    charts.append(event)
                case SourcesReady():
                    news["sources"] = event.sources
                case UsageReported():
                    news["usage"] = event
                case AnswerFailed():
                    news["failure"] = event.message
        tools = tuple(self.snapshot.tools[call_id] for call_id in changed)
        return self._update(first=False, text="".join(text), tools=tools, charts=tuple(charts), **news)

    def _update(self, **changes: Any) -> AnswerUpdate:
        s = self.snapshot
        return AnswerUpdate(
            chat_id=s.chat_id,
            message_id=s.message_id,
            user_message_id=s.user_message_id,
            model=s.model,
            offline=s.offline,
            done=s.done,
            **changes,
        )
