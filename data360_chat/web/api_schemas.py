"""The bodies `/api/v1` reads and writes, as pydantic models: the OpenAPI document is generated from them, and the
ask routes read their request and write their answers through them."""

from __future__ import annotations

import uuid
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictStr

MAX_PAGE = 200  # most chats in one page of `GET /chats`
# Text that is not blank as the server sees it (`str.strip()`): a character outside Python's whitespace, spelled out
# so the pattern means the same to every JSON Schema tool.
NOT_BLANK = "[^" + "".join(f"\\u{code:04x}" for code in range(0x3001) if chr(code).isspace()) + "]"


class Body(BaseModel):
    """A JSON body read from attributes of the app's own objects too."""

    model_config = ConfigDict(from_attributes=True)


class ErrorBody(Body):
    """Every error: a code for programs and a sentence for people."""

    error: str = Field(description="A short code: `bad_request`, `not_found`, `too_many_answers` ...")
    message: str = Field(description="What went wrong, in words.")


class Me(Body):
    id: uuid.UUID
    email: str | None
    display_name: str | None
    is_admin: bool


class ChatBody(Body):
    id: uuid.UUID
    title: str
    created_at: str | None
    updated_at: str | None


class ChatList(Body):
    chats: list[ChatBody]
    next_before: str | None = Field(description="Pass as `before` for the next page; null on the last page.")


class RenameChat(Body):
    title: str = Field(description="The new title (not blank).", json_schema_extra={"pattern": NOT_BLANK})


class ToolCallBody(Body):
    tool: str
    arguments: dict[str, Any] | None
    status: str
    error: str | None
    duration_ms: int | None


class MessageChart(Body):
    id: int
    title: str
    source: dict[str, Any] | None
    csv_url: str
    plotly_json_url: str


MessageStatus = Literal["streaming", "complete", "cut_off", "too_long", "filtered", "cancelled", "error"]
STATUSES = (
    "`cut_off`, `too_long` and `filtered`: the model did not finish (its stream ended without a finish reason, it "
    "reached its length limit, its provider's filter stopped it); the text so far is kept."
)


class NumberCheckBody(Body):
    text: str = Field(description="The number as the answer writes it.")
    kind: Literal["data", "derived", "unverified"] = Field(
        description="Found in the data, computed from it (a change, growth rate, difference, ratio), or not found."
    )
    where: str = Field(description="The series, country and year it was found in, or how it was computed.")


class MessageBody(Body):
    id: int
    role: Literal["user", "assistant"]
    content: str
    status: MessageStatus = Field(description=STATUSES)
    error: str | None
    model: str | None
    prompt_tokens: int | None
    completion_tokens: int | None
    latency_ms: int | None
    grounded_share: float | None = Field(description="Share of the answer's numbers found in, or computed from, data.")
    number_checks: list[NumberCheckBody] = Field(description="Each number of the answer and where it was found.")
    sources: list[dict[str, Any]]
    rating: int | None
    created_at: str | None
    tool_calls: list[ToolCallBody]
    charts: list[MessageChart]


class MessageList(Body):
    chat_id: uuid.UUID
    messages: list[MessageBody]


class ChatExport(Body):
    chat: ChatBody
    messages: list[MessageBody]


class FeedbackBody(Body):
    rating: Literal[1, -1]
    comment: str = ""


class PlotlyFigure(Body):
    """A Plotly figure as `Plotly.newPlot` takes it."""

    data: list[dict[str, Any]]
    layout: dict[str, Any]


class AskRequest(Body):
    """A question for the assistant."""

    model_config = ConfigDict(extra="forbid")

    question: StrictStr = Field(
        description="The question (not blank; at most `MAX_MESSAGE_CHARS` characters).",
        json_schema_extra={"pattern": NOT_BLANK},  # checked by the answer pipeline, which says what is wrong
    )
    chat_id: uuid.UUID | None = Field(None, description="Ask in this chat; a new chat when absent.")
    stream: StrictBool = Field(False, description="Answer as Server-Sent Events instead of one JSON body.")


class Citation(Body):
    indicator: str = Field(description="The indicator's name.")
    indicator_id: str
    database: str
    countries: list[str]
    years: dict[str, Any] = Field(description='First and last year of the data: `{"start": 2000, "end": 2022}`.')
    url: str = Field(description="The indicator's page on Data360.")


class ChartLink(Body):
    id: int | None
    title: str
    csv_url: str | None = Field(description="The rows behind the chart, as CSV.")
    plotly_json_url: str | None = Field(description="The Plotly figure, as JSON.")


class TokenUsage(Body):
    prompt_tokens: int | None
    completion_tokens: int | None
    total_tokens: int | None


class ConfidenceFactors(Body):
    grounded_share: float | None = Field(description="Share of the answer's numbers found in the data.")
    tool_success: float | None = Field(description="Share of the tool calls that succeeded.")
    year_coverage: float | None = Field(description="Share of the years the question names that the data spans.")
    has_data: bool = Field(description="Whether any data came back from the tools.")


class AskResult(Body):
    """An answer as stored: the same body in JSON mode, in `response.completed` and from `GET /ask/{id}`."""

    answer: str = Field(description="The answer's text (Markdown).")
    status: MessageStatus = Field(description=STATUSES)
    error: str | None = Field(description="Why the answer failed, when `status` is `error`.")
    citations: list[Citation]
    confidence: float = Field(ge=0, le=1, description="grounded_share × tool_success × year_coverage (see README).")
    confidence_factors: ConfidenceFactors
    token_usage: TokenUsage
    charts: list[ChartLink]
    chat_id: uuid.UUID
    message_id: int
    question_id: int
    model: str
