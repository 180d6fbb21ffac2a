"""Reading someone's chat: its owner always; an admin too, each time written to the audit log."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from data360_chat.admin import audit
from data360_chat.admin.accounts import NotAdmin, acting_admin
from data360_chat.db.models import Chat, Message, User
from data360_chat.repositories.conversations import Conversation, load_answer, load_conversation
from data360_chat.repositories.messages import get_message


async def _owner(session: AsyncSession, chat_id: uuid.UUID) -> User | None:
    owner_id = await session.scalar(select(Chat.user_id).where(Chat.id == chat_id))
    return await session.get(User, owner_id) if owner_id is not None else None


async def readable_conversation(session: AsyncSession, reader_id: uuid.UUID, chat_id: uuid.UUID) -> Conversation | None:
    """The chat for its owner, or for an active admin (audited); None for anyone else, as for a missing chat."""
    conversation = await load_conversation(session, reader_id, chat_id)
    if conversation is not None:
        return conversation
    try:
        actor = await acting_admin(session, reader_id)
    except NotAdmin:
        return None
    owner = await _owner(session, chat_id)
    if owner is None:
        return None
    conversation = await load_conversation(session, owner.id, chat_id)
    if conversation is not None:
        await audit.record(session, actor, "export_chat", owner, conversation.chat.title)
    return conversation


@dataclass(frozen=True)
class ReviewedAnswer:
    """An answer as an admin reviews it from the feedback: the question, the answer and whose chat it is."""

    question: str
    answer: str
    status: str
    chat_id: uuid.UUID
    owner_email: str


async def answer_for_review(session: AsyncSession, actor_id: uuid.UUID, message_id: int) -> ReviewedAnswer | None:
    """The answer with its question, for an active admin (`NotAdmin` otherwise); None when it does not exist."""
    await acting_admin(session, actor_id)
    chat_id = await session.scalar(select(Message.chat_id).where(Message.id == message_id))
    owner = await _owner(session, chat_id) if chat_id is not None else None
    if owner is None:
        return None
    answer = await load_answer(session, owner.id, message_id)
    if answer is None or answer.turn.message.role != "assistant":
        return None
    question = await get_message(session, owner.id, answer.question_id) if answer.question_id else None
    message = answer.turn.message
    return ReviewedAnswer(
        question.content if question is not None else "",
        message.content,
        message.status,
        message.chat_id,
        owner.email,
    )
