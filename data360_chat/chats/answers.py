"""Answers as programs use them (the JSON API): follow one by its id from wherever it is, and read it as one result
with its text, citations, charts, token usage and confidence. Asking goes through `service.ask`, like the page.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from data360_chat.assistant.confidence import Confidence, answer_confidence
from data360_chat.assistant.events import AnswerEvent
from data360_chat.chats.service import GONE, Refused
from data360_chat.chats.views import CSV_ROUTE
from data360_chat.db.engine import get_database
from data360_chat.repositories import NotFound
from data360_chat.repositories.conversations import Answer, load_answer
from data360_chat.repositories.messages import get_message
from data360_chat.streams import AnswerSnapshot, get_runner

PLOTLY_ROUTE = "/api/v1/charts/{chart_id}.json"


@dataclass
class ChartLink:
    """A chart of an answer and where to download its rows (CSV) and its Plotly figure (JSON)."""

    id: int | None
    title: str
    csv_url: str | None
    plotly_json_url: str | None


@dataclass
class Citation:
    """Where part of the answer's data comes from."""

    indicator: str
    indicator_id: str
    database: str
    countries: list[str]
    years: dict[str, Any]
    url: str


@dataclass
class AnswerResult:
    """An answer as stored: text, how it ended, what it cites and charts, tokens and confidence."""

    chat_id: uuid.UUID
    message_id: int
    question_id: int
    status: str
    answer: str
    error: str | None
    model: str
    confidence: float
    confidence_factors: dict[str, Any]
    token_usage: dict[str, int | None]
    citations: list[Citation] = field(default_factory=list)
    charts: list[ChartLink] = field(default_factory=list)


def chart_link(chart_id: int | None, title: str) -> ChartLink:
    """A chart's links (none for a chart that was not stored)."""
    if chart_id is None:
        return ChartLink(None, title, None, None)
    return ChartLink(chart_id, title, CSV_ROUTE.format(chart_id=chart_id), PLOTLY_ROUTE.format(chart_id=chart_id))


def citation(source: dict[str, Any]) -> Citation:
    """A source entry (`assistant/sources.py`) as a citation."""
    return Citation(
        indicator=str(source.get("name") or source.get("indicator_id") or ""),
        indicator_id=str(source.get("indicator_id") or ""),
        database=str(source.get("database") or source.get("database_id") or ""),
        countries=[str(country) for country in source.get("countries") or []],
        years={"start": source.get("start_year"), "end": source.get("end_year")},
        url=str(source.get("url") or ""),
    )


def _factors(confidence: Confidence) -> dict[str, Any]:
    return {
        "grounded_share": confidence.grounded,
        "tool_success": confidence.tools,
        "year_coverage": confidence.years,
        "has_data": confidence.has_data,
    }


def _result(answer: Answer, question: str) -> AnswerResult:
    message, turn = answer.turn.message, answer.turn
    sources = message.sources or []
    confidence = answer_confidence(
        status=message.status,
        question=question,
        grounded_share=message.grounded_share,
        tool_statuses=[call.status for call in turn.tool_calls],
        sources=sources,
    )
    prompt, completion = message.prompt_tokens, message.completion_tokens
    total = prompt + completion if prompt is not None and completion is not None else None
    return AnswerResult(
        chat_id=message.chat_id,
        message_id=turn.id,
        question_id=answer.question_id,
        status=message.status,
        answer=message.content,
        error=message.error,
        model=message.model or "",
        confidence=confidence.value,
        confidence_factors=_factors(confidence),
        token_usage={"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": total},
        citations=[citation(source) for source in sources],
        charts=[chart_link(chart.id, chart.title) for chart in turn.charts],
    )


async def answer_result(user_id: uuid.UUID, message_id: int) -> AnswerResult:
    """The user's answer `message_id` as it is stored now (`Refused` if it is not one of their answers)."""
    async with get_database().session() as session:
        answer = await load_answer(session, user_id, message_id)
        if answer is None or answer.turn.message.role != "assistant":
            raise Refused(GONE)
        question = await get_message(session, user_id, answer.question_id) if answer.question_id else None
    return _result(answer, question.content if question is not None else "")


async def follow_answer(user_id: uuid.UUID, message_id: int) -> AsyncIterator[AnswerSnapshot | AnswerEvent]:
    """The answer so far (a snapshot), then each of its events until it ends (`Refused` unless it is the user's)."""
    try:
        async with contextlib.aclosing(get_runner().subscribe_answer(user_id, message_id)) as items:
            async for item in items:
                yield item
    except NotFound:
        raise Refused(GONE) from None
