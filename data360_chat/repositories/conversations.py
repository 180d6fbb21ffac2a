"""The one read model of a conversation: a chat's messages, each with its tool calls, charts and the user's rating.

The chat page, the JSON API, the answer streams and exports all read conversations through here; like every
repository it takes the user's id and sees only that user's rows.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from data360_chat.db.models import Chart, Chat, Feedback, Message, ToolCall
from data360_chat.repositories.charts import list_charts
from data360_chat.repositories.chats import get_chat
from data360_chat.repositories.feedback import get_feedback
from data360_chat.repositories.messages import get_message, list_messages
from data360_chat.repositories.tool_calls import list_tool_calls


@dataclass
class Turn:
    """One message with what belongs to it (an answer's tool calls and charts, the user's rating of it)."""

    message: Message
    tool_calls: list[ToolCall]
    charts: list[Chart]
    feedback: Feedback | None = None

    @property
    def id(self) -> int:
        """The message's id."""
        assert self.message.id is not None
        return self.message.id

    @property
    def streaming(self) -> bool:
        """Whether the message is an answer still being written."""
        return self.message.status == "streaming"


@dataclass
class Conversation:
    """A chat and its turns, oldest first."""

    chat: Chat
    turns: list[Turn]


@dataclass
class Answer:
    """An answer with the id of the question it answers."""

    turn: Turn
    question_id: int


async def turns_of(session: AsyncSession, user_id: uuid.UUID, messages: Sequence[Message]) -> list[Turn]:
    """The messages as turns, with their tool calls, charts and ratings loaded in three queries."""
    ids = [message.id for message in messages if message.id is not None and message.role == "assistant"]
    calls = await list_tool_calls(session, user_id, ids)
    charts = await list_charts(session, user_id, ids)
    ratings = await get_feedback(session, user_id, ids)
    return [
        Turn(
            message,
            [call for call in calls if call.message_id == message.id],
            [chart for chart in charts if chart.message_id == message.id],
            ratings.get(message.id) if message.id is not None else None,
        )
        for message in messages
    ]


async def load_conversation(
    session: AsyncSession, user_id: uuid.UUID, chat_id: uuid.UUID, *, last: int | None = None
) -> Conversation | None:
    """The user's chat with its turns (only the `last` N when given); None unless the chat is theirs."""
    chat = await get_chat(session, user_id, chat_id)
    if chat is None:
        return None
    messages = await list_messages(session, user_id, chat_id, last=last)
    return Conversation(chat, await turns_of(session, user_id, messages))


async def load_answer(session: AsyncSession, user_id: uuid.UUID, message_id: int) -> Answer | None:
    """The answer with this id in one of the user's chats, with its question's id (0 if none); None otherwise."""
    message = await get_message(session, user_id, message_id)
    if message is None:
        return None
    before = await list_messages(session, user_id, message.chat_id, last=2)
    question = next((m.id for m in before if m.role == "user" and m.id is not None and m.id < message_id), 0)
    [turn] = await turns_of(session, user_id, [message])
    return Answer(turn, question)
