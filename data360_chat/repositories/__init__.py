"""Async data access for a user's chats, messages, tool calls, charts and feedback.

Every function that reads or changes a user's data takes that user's id and only ever sees rows the user owns:
another user's row looks exactly like a missing one (`None`, an empty list, or `NotFound`).
"""


class NotFound(LookupError):
    """The row does not exist or belongs to someone else."""


def clean_text(value: str) -> str:
    """Text PostgreSQL can store: NUL bytes removed, lone surrogates replaced."""
    return value.replace("\x00", "").encode("utf-8", errors="replace").decode("utf-8")
