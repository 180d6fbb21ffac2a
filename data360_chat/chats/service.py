"""What a person does with their chats, as the chat page asks for it: open, list, ask, continue, follow, stop, rate,
rename and delete. Plain async Python over the repositories and the answer runner; every function takes the user's id.

The rules live in their owners (the pipeline checks messages, the database decides busy chats and the answer
bound, repositories decide ownership, `limits` counts questions per minute); here their refusals become one
`Refused` with the sentence to show (`TooManyQuestions` also says when to try again).
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from data360_chat.assistant.events import AnswerStarted
from data360_chat.assistant.pipeline import MessageRejected, MessageTooLong, NothingToRegenerate
from data360_chat.assistant.store import NothingToContinue
from data360_chat.chats.limits import QuestionLimitReached, get_question_limits
from data360_chat.chats.views import (
    ChartView,
    ChatItem,
    MessageView,
    ToolView,
    chart_from_event,
    chat_item,
    tool_from_step,
    turn_view,
)
from data360_chat.db.engine import get_database
from data360_chat.repositories import NotFound
from data360_chat.repositories.chats import delete_chat, list_chats, rename_chat, search_chats
from data360_chat.repositories.conversations import load_answer, load_conversation
from data360_chat.repositories.feedback import set_feedback
from data360_chat.repositories.messages import ChatBusy, TooManyAnswers
from data360_chat.repositories.users import get_user
from data360_chat.streams import AnswerUpdate, get_runner

HISTORY_LIMIT = 400
PAGE_SIZE = 30
GONE = "This chat does not exist or was deleted."


BUSY_RETRY_AFTER = 5  # seconds a program is told to wait when the person has as many answers running as allowed


class Refused(Exception):
    """The action was refused; `str(exc)` says why, in words for the person.

    `reason` names the rule for programs: `gone`, `invalid`, `too_long`, `busy` (an answer is being written in the
    chat), `too_many` (as many answers running as allowed), `rate_limited` (as many questions this minute as
    allowed) or `nothing`; `retry_after` (seconds) when waiting helps.
    """

    def __init__(self, message: str, *, reason: str = "gone", retry_after: int | None = None) -> None:
        super().__init__(message)
        self.reason = reason
        self.retry_after = retry_after


class TooManyQuestions(Refused):
    """The person or their organisation asked as many questions this minute as allowed; `retry_after`: seconds
    until the next one can start."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message, reason="rate_limited", retry_after=retry_after)


@dataclass
class OpenedChat:
    """A chat as the page opens it: title, messages, and whether its last answer is still being written."""

    title: str
    messages: list[MessageView]
    answering: bool


@dataclass
class ChatPage:
    """A page of the sidebar: the chats, whether older ones exist, and where the next page starts."""

    chats: list[ChatItem]
    has_more: bool
    cursor: str | None


@dataclass
class Started:
    """An answer that started: its chat, the question as the page shows it (None: an answer continued), and the
    answer's message id."""

    chat_id: uuid.UUID
    question: MessageView | None
    answer_id: int = 0


@dataclass
class LiveUpdate:
    """What changed in the answer being written: text to append, tool steps that changed, new charts; the first
    update carries everything so far; the last one has `finished` (the stored answer) or is `ended`."""

    first: bool
    text: str = ""
    tools: list[ToolView] = field(default_factory=list)
    charts: list[ChartView] = field(default_factory=list)
    model: str = ""
    offline: bool = False
    message_id: int | None = None
    failure: str = ""
    ended: bool = False
    finished: MessageView | None = None


def parse_id(text: str | None) -> uuid.UUID | None:
    """A chat id from the page (None when it is not one)."""
    try:
        return uuid.UUID(str(text))
    except ValueError:
        return None


async def open_chat(user_id: uuid.UUID, chat_id: uuid.UUID) -> OpenedChat:
    """The chat's title and messages (the answer being written is left out: it is followed live)."""
    async with get_database().session() as session:
        conversation = await load_conversation(session, user_id, chat_id, last=HISTORY_LIMIT)
    if conversation is None:
        raise Refused(GONE)
    turns = conversation.turns
    answering = bool(turns) and turns[-1].streaming
    shown = turns[:-1] if answering else turns
    return OpenedChat(conversation.chat.title, [turn_view(turn) for turn in shown], answering)


async def chat_page(user_id: uuid.UUID, cursor: str | None = None) -> ChatPage:
    """A page of the user's chats, newest first (`cursor`: where the previous page ended)."""
    before = None
    if cursor:
        stamp, _, chat_id = cursor.rpartition("|")
        before = (datetime.fromisoformat(stamp), uuid.UUID(chat_id))
    async with get_database().session() as session:
        chats = await list_chats(session, user_id, limit=PAGE_SIZE + 1, before=before)
    shown = chats[:PAGE_SIZE]
    last = shown[-1] if shown else None
    return ChatPage(
        [chat_item(chat) for chat in shown],
        len(chats) > PAGE_SIZE,
        f"{last.updated_at.isoformat()}|{last.id}" if last is not None else None,
    )


async def find_chats(user_id: uuid.UUID, text: str) -> list[ChatItem]:
    """The user's chats whose title or messages contain `text`."""
    async with get_database().session() as session:
        return [chat_item(chat) for chat in await search_chats(session, user_id, text[:200])]


async def rename(user_id: uuid.UUID, chat_id: uuid.UUID, title: str) -> str:
    """Rename the user's chat; returns the title as stored."""
    try:
        async with get_database().session() as session:
            return (await rename_chat(session, user_id, chat_id, title)).title
    except NotFound:
        raise Refused(GONE) from None


async def remove(user_id: uuid.UUID, chat_id: uuid.UUID) -> None:
    """Delete the user's chat."""
    try:
        async with get_database().session() as session:
            await delete_chat(session, user_id, chat_id)
    except NotFound:
        raise Refused(GONE) from None


async def rate(user_id: uuid.UUID, message_id: int, rating: int, comment: str) -> None:
    """Store the user's thumbs up/down (and comment) on an answer."""
    try:
        async with get_database().session() as session:
            await set_feedback(session, user_id, message_id, rating=rating, comment=comment)
    except NotFound:
        raise Refused("This answer no longer exists.") from None


def _too_many(exc: QuestionLimitReached) -> TooManyQuestions:
    who = "You have" if exc.scope == "person" else "Your organisation has"
    wait = f"{exc.retry_after} second{'s' if exc.retry_after != 1 else ''}"
    return TooManyQuestions(
        f"{who} asked {exc.limit} questions in the last minute, the most allowed. Try again in {wait}.",
        exc.retry_after,
    )


async def _started(
    user_id: uuid.UUID, starting: Callable[[], Awaitable[AnswerStarted]], question: str | None
) -> Started:
    """Count the question (or the Continue) against its person's and organisation's limits, then start its answer
    (`question` None: an answer continued)."""
    async with get_database().session() as session:
        user = await get_user(session, user_id)
    if user is None:
        raise Refused(GONE)
    try:
        counted = await get_question_limits().count(user)
    except QuestionLimitReached as exc:
        raise _too_many(exc) from None
    try:
        started = await starting()
    except (MessageRejected, ChatBusy, TooManyAnswers, NothingToRegenerate, NothingToContinue, NotFound) as exc:
        await get_question_limits().give_back(counted)
        raise _refusal(exc) from None
    assert started.chat_id is not None
    shown = None if question is None else MessageView(id=started.user_message_id, role="user", content=question.strip())
    return Started(started.chat_id, shown, started.message_id)


def _refusal(exc: Exception) -> Refused:
    """A rule's refusal of a question, with the rule named for programs."""
    match exc:
        case MessageTooLong():
            return Refused(str(exc), reason="too_long")
        case MessageRejected():
            return Refused(str(exc), reason="invalid")
        case ChatBusy():
            return Refused(str(exc), reason="busy", retry_after=BUSY_RETRY_AFTER)
        case TooManyAnswers():
            return Refused(str(exc), reason="too_many", retry_after=BUSY_RETRY_AFTER)
        case NothingToRegenerate() | NothingToContinue():
            return Refused(str(exc), reason="nothing")
    return Refused(GONE)


async def ask(
    user_id: uuid.UUID, chat_id: uuid.UUID | None, text: str, upload_ids: Sequence[uuid.UUID] = ()
) -> Started:
    """Ask `text` in the user's chat (None: a new chat, created only if the question is accepted); the user's
    uploads `upload_ids` join the chat with the question."""
    return await _started(user_id, lambda: get_runner().start(user_id, chat_id, text, upload_ids), text)


async def regenerate(user_id: uuid.UUID, chat_id: uuid.UUID, question: str) -> Started:
    """Answer the chat's last question (`question`, as the page shows it) again."""
    return await _started(user_id, lambda: get_runner().start_regenerate(user_id, chat_id), question)


async def edit(user_id: uuid.UUID, chat_id: uuid.UUID, message_id: int, text: str) -> Started:
    """Replace the question `message_id` with `text` and answer it."""
    return await _started(user_id, lambda: get_runner().start_edit(user_id, chat_id, message_id, text), text)


async def continue_answer(user_id: uuid.UUID, chat_id: uuid.UUID) -> Started:
    """Continue the chat's last answer, cut short, where its text stopped (appended to the same answer)."""
    return await _started(user_id, lambda: get_runner().start_continue(user_id, chat_id), None)


async def stop(user_id: uuid.UUID, chat_id: uuid.UUID) -> None:
    """Stop the chat's answer, wherever it runs."""
    with contextlib.suppress(NotFound):
        await get_runner().stop(user_id, chat_id)


def _live(update: AnswerUpdate, charts_before: int) -> LiveUpdate:
    return LiveUpdate(
        first=update.first,
        text=update.text,
        tools=[tool_from_step(step) for step in update.tools],
        charts=[chart_from_event(chart, charts_before + index) for index, chart in enumerate(update.charts)],
        model=update.model,
        offline=update.offline,
        message_id=update.message_id,
        failure=update.failure or "",
    )


async def follow(user_id: uuid.UUID, chat_id: uuid.UUID, *, interval: float) -> AsyncIterator[LiveUpdate]:
    """The chat's answer as it is written, at most one update every `interval` seconds; the last one carries the
    stored answer. Nothing when the chat has no answer or is not the user's."""
    charts = 0
    with contextlib.suppress(NotFound):
        async for update in get_runner().follow(user_id, chat_id, interval=interval):
            live = _live(update, 0 if update.first else charts)
            charts = len(live.charts) if update.first else charts + len(live.charts)
            if update.done is not None:
                live.ended = True
                live.finished = await _finished(user_id, update)
            yield live


async def _finished(user_id: uuid.UUID, update: AnswerUpdate) -> MessageView | None:
    """The stored answer that `update` ended, as the conversation shows it."""
    if update.message_id is None:
        return None
    async with get_database().session() as session:
        answer = await load_answer(session, user_id, update.message_id)
    if answer is None:
        return None
    return turn_view(answer.turn)
