"""Where an answer is kept while it is produced: the database, or nowhere (`ask` without `--save`)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from data360_chat.assistant.charts import ChartSpec
from data360_chat.assistant.events import CUT_SHORT
from data360_chat.assistant.tool_runs import ToolRun, stored_result
from data360_chat.db.engine import Database
from data360_chat.db.models import ToolCall
from data360_chat.repositories import NotFound
from data360_chat.repositories.charts import add_chart
from data360_chat.repositories.chats import create_chat, get_chat
from data360_chat.repositories.messages import (
    ChatBusy,
    add_user_message,
    delete_messages_from,
    get_message,
    list_messages,
    resume_answer,
    start_answer,
    update_message,
)
from data360_chat.repositories.tool_calls import add_tool_call, finish_tool_call, list_tool_calls
from data360_chat.repositories.uploads import attach_uploads, chat_uploads
from data360_chat.settings import Settings
from data360_chat.uploads.table import ParsedTable, UploadedData

HISTORY_MESSAGES = 60
STOPPED = "Stopped before the tool finished."


@dataclass(frozen=True)
class Begun:
    """The stored question and answer ids, their chat (None: not stored), and the conversation before the question."""

    user_message_id: int
    message_id: int
    chat_id: uuid.UUID | None = None
    history: list[dict[str, Any]] = field(default_factory=list)


class NothingToContinue(LookupError):
    """The chat's last answer was not cut short, so there is nothing to continue."""


@dataclass(frozen=True)
class Resumed:
    """An answer cut short, streaming again to be continued: its question, the conversation before the question,
    its text and tokens so far, and its tool calls (with their stored results)."""

    message_id: int
    question_id: int
    question: str
    history: list[dict[str, Any]]
    text: str
    usage: tuple[int | None, int | None]
    model: str
    tool_calls: list[ToolCall]


def _history(messages: Sequence[Any]) -> list[dict[str, Any]]:
    """Earlier turns as the model is sent them (answers still streaming and empty turns left out)."""
    return [
        {"role": message.role, "content": message.content}
        for message in messages
        if message.content.strip() and message.status != "streaming"
    ]


class AnswerStore(Protocol):
    """Keeps one answer: its question, growing text, tool calls, charts and how it ended."""

    async def begin(self, question: str, model: str, replace_from: int | None) -> Begun:
        """Store the question and an empty `streaming` answer; `ChatBusy` if one is being written."""
        ...

    async def last_question(self) -> tuple[int, str] | None:
        """The id and text of the chat's last question (None when it has none)."""
        ...

    async def is_question(self, message_id: int) -> bool:
        """Whether `message_id` is one of the user's questions in this chat."""
        ...

    async def save_text(self, content: str) -> None:
        """Save the text so far."""
        ...

    async def tools_started(self, runs: Sequence[ToolRun]) -> None:
        """Record tool calls that are about to run (their `row_id` is set)."""
        ...

    async def tool_finished(self, run: ToolRun) -> None:
        """Record how a tool call ended."""
        ...

    async def complete(self, charts: Sequence[ChartSpec], **fields: Any) -> list[int | None]:
        """Store the answer the model ended (`complete`, or cut short) and its charts; the charts' ids."""
        ...

    async def end(self, runs: Sequence[ToolRun], **fields: Any) -> None:
        """Store an answer that ended early (cancelled or failed), closing unfinished tool calls."""
        ...

    async def uploads(self) -> list[UploadedData]:
        """The files uploaded to the chat, with their points."""
        ...


class DatabaseStore:
    """The answer in the user's chat in PostgreSQL (a new chat, titled after the question, when `chat_id` is None)."""

    def __init__(
        self,
        database: Database,
        user_id: uuid.UUID,
        chat_id: uuid.UUID | None,
        *,
        most_running: int | None = None,
        upload_ids: Sequence[uuid.UUID] = (),
    ) -> None:
        """`most_running`: how many answers the user may have streaming at once (in all their chats);
        `upload_ids`: the user's uploads to attach to the chat with the question."""
        self.database = database
        self.user_id = user_id
        self.chat_id = chat_id
        self.most_running = most_running
        self.upload_ids = list(upload_ids)
        self.message_id: int | None = None

    async def begin(self, question: str, model: str, replace_from: int | None) -> Begun:
        """Delete from `replace_from` on (unless an answer is streaming), then store question and answer.

        Everything happens in one transaction: a refused start (busy chat, too many answers) leaves nothing behind,
        not even the new chat.
        """
        async with self.database.session() as session:
            if self.chat_id is None:
                self.chat_id = (await create_chat(session, self.user_id, question[:80])).id
            if replace_from is not None:
                recent = await list_messages(session, self.user_id, self.chat_id, last=2)
                if any(message.status == "streaming" for message in recent):
                    raise ChatBusy
                await delete_messages_from(session, self.user_id, self.chat_id, replace_from)
            earlier = await list_messages(session, self.user_id, self.chat_id, last=HISTORY_MESSAGES)
            asked = await add_user_message(session, self.user_id, self.chat_id, question)
            reply = await start_answer(session, self.user_id, self.chat_id, model, most_running=self.most_running)
            await attach_uploads(session, self.user_id, self.upload_ids, self.chat_id)
        assert asked.id is not None and reply.id is not None
        self.message_id = reply.id
        return Begun(asked.id, reply.id, self.chat_id, _history(earlier))

    async def resume(self) -> Resumed:
        """Set the chat's last answer streaming again if it was cut short (`NothingToContinue` otherwise; `ChatBusy`
        and `TooManyAnswers` as for a new answer), in one transaction."""
        assert self.chat_id is not None
        async with self.database.session() as session:
            if await get_chat(session, self.user_id, self.chat_id) is None:
                raise NotFound("chat")
            recent = await list_messages(session, self.user_id, self.chat_id, last=HISTORY_MESSAGES)
            if len(recent) < 2 or recent[-1].role != "assistant" or recent[-1].status not in CUT_SHORT:
                raise NothingToContinue("Only an answer that was cut short can be continued.")
            question, answer = recent[-2], recent[-1]
            assert answer.id is not None and question.id is not None
            await resume_answer(session, self.user_id, answer.id, statuses=CUT_SHORT, most_running=self.most_running)
            calls = await list_tool_calls(session, self.user_id, [answer.id])
        self.message_id = answer.id
        return Resumed(
            answer.id,
            question.id,
            question.content,
            _history(recent[:-2]),
            answer.content,
            (answer.prompt_tokens, answer.completion_tokens),
            answer.model or "",
            calls,
        )

    async def last_question(self) -> tuple[int, str] | None:
        if self.chat_id is None:
            return None
        async with self.database.session() as session:
            recent = await list_messages(session, self.user_id, self.chat_id, last=HISTORY_MESSAGES)
        question = next((message for message in reversed(recent) if message.role == "user"), None)
        return (question.id, question.content) if question is not None and question.id is not None else None

    async def is_question(self, message_id: int) -> bool:
        async with self.database.session() as session:
            message = await get_message(session, self.user_id, message_id)
        return message is not None and message.chat_id == self.chat_id and message.role == "user"

    async def save_text(self, content: str) -> None:
        async with self.database.session() as session:
            await update_message(session, self.user_id, self._id(), content=content)

    async def tools_started(self, runs: Sequence[ToolRun]) -> None:
        async with self.database.session() as session:
            for run in runs:
                row = await add_tool_call(
                    session,
                    self.user_id,
                    self._id(),
                    tool_name=run.call.name[:200] or "(unnamed)",
                    arguments=run.stored_arguments,
                    call_id=run.call.call_id[:100],
                )
                run.row_id = row.id

    async def tool_finished(self, run: ToolRun) -> None:
        assert run.row_id is not None
        async with self.database.session() as session:
            await finish_tool_call(
                session,
                self.user_id,
                run.row_id,
                ok=run.ok,
                result=stored_result(run),
                error=run.error,
                duration_ms=run.duration_ms,
            )

    async def complete(self, charts: Sequence[ChartSpec], **fields: Any) -> list[int | None]:
        async with self.database.session() as session:
            ids: list[int | None] = []
            for chart in charts:
                row = await add_chart(
                    session,
                    self.user_id,
                    self._id(),
                    title=chart.title,
                    figure=chart.figure,
                    data=chart.rows,
                    source=chart.source,
                )
                ids.append(row.id)
            await update_message(session, self.user_id, self._id(), **fields)
        return ids

    async def end(self, runs: Sequence[ToolRun], **fields: Any) -> None:
        async with self.database.session() as session:
            for run in runs:
                if run.row_id is not None and not run.finished:
                    await finish_tool_call(session, self.user_id, run.row_id, ok=False, result="", error=STOPPED)
            await update_message(session, self.user_id, self._id(), **fields)

    async def uploads(self) -> list[UploadedData]:
        if self.chat_id is None:
            return []
        async with self.database.session() as session:
            rows = await chat_uploads(session, self.user_id, self.chat_id, with_points=True)
        return [UploadedData(row.id, row.filename, ParsedTable.from_json(row.summary, row.points)) for row in rows]

    def _id(self) -> int:
        assert self.message_id is not None, "begin() first"
        return self.message_id


class MemoryStore:
    """Keeps nothing beyond the answer itself (for a one-off question on the command line)."""

    def __init__(self) -> None:
        self.fields: dict[str, Any] = {}

    async def begin(self, question: str, model: str, replace_from: int | None) -> Begun:
        return Begun(1, 2)

    async def last_question(self) -> tuple[int, str] | None:
        return None

    async def is_question(self, message_id: int) -> bool:
        return False

    async def save_text(self, content: str) -> None:
        self.fields["content"] = content

    async def tools_started(self, runs: Sequence[ToolRun]) -> None:
        return None

    async def tool_finished(self, run: ToolRun) -> None:
        return None

    async def complete(self, charts: Sequence[ChartSpec], **fields: Any) -> list[int | None]:
        self.fields.update(fields)
        return [None for _ in charts]

    async def end(self, runs: Sequence[ToolRun], **fields: Any) -> None:
        self.fields.update(fields)

    async def uploads(self) -> list[UploadedData]:
        return []


def open_store(
    database: Database | None,
    user_id: uuid.UUID | None,
    chat_id: uuid.UUID | None,
    settings: Settings,
    upload_ids: Sequence[uuid.UUID] = (),
) -> AnswerStore:
    """Where an answer of the user's chat is kept: the database (bounded by `MAX_ANSWERS_PER_USER`), or nowhere."""
    if database is None:
        return MemoryStore()
    assert user_id is not None, "a stored answer belongs to a user"
    return DatabaseStore(database, user_id, chat_id, most_running=settings.max_answers_per_user, upload_ids=upload_ids)
