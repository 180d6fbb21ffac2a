"""Who and what the current work is for, as context variables every log line carries.

Set at the boundaries: an HTTP request or websocket connection (`request_id`), a page event (a new `request_id`),
the sign-in service once it knows the user (`user_id`), an answer's task (`user_id`, `chat_id`). Each asyncio task
starts with a copy of its creator's values, so an answer keeps them while it runs in the background.
"""

from __future__ import annotations

import re
import uuid
from contextvars import ContextVar

request_id: ContextVar[str | None] = ContextVar("d360_request_id", default=None)
user_id: ContextVar[str | None] = ContextVar("d360_user_id", default=None)
chat_id: ContextVar[str | None] = ContextVar("d360_chat_id", default=None)

# A request id a client or proxy sends is kept only when it looks like one (it ends up in every log line).
ACCEPTED_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")


def new_request_id(given: str | None = None) -> str:
    """`given` when it is a well-formed id (from `X-Request-ID`), else a new random one; bound as current."""
    value = given if given and ACCEPTED_REQUEST_ID.fullmatch(given) else uuid.uuid4().hex[:16]
    request_id.set(value)
    return value


def bind_user(user: uuid.UUID | str | None) -> None:
    """The user the current work is for (None: nobody signed in)."""
    user_id.set(str(user) if user is not None else None)


def bind_chat(chat: uuid.UUID | str | None) -> None:
    """The chat the current work is about."""
    chat_id.set(str(chat) if chat is not None else None)


def current() -> dict[str, str | None]:
    """The bound values, for a log line."""
    return {"request_id": request_id.get(), "user_id": user_id.get(), "chat_id": chat_id.get()}
