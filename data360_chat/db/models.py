"""Database tables (SQLModel on PostgreSQL).

Chats and uploads belong to users; messages, tool calls and charts belong to chats through their message; every
query for a user's data goes through `repositories`, which join back to the owner's id.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Index,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    Uuid,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

MESSAGE_STATUSES = ("streaming", "complete", "cut_off", "too_long", "filtered", "cancelled", "error")
TOOL_CALL_STATUSES = ("running", "ok", "error")


def utcnow() -> datetime:
    """The current time, timezone-aware."""
    return datetime.now(UTC)


def _timestamp(*, index: bool = False) -> Any:
    return Field(
        default_factory=utcnow,
        sa_column=Column(DateTime(timezone=True), nullable=False, server_default=text("now()"), index=index),
    )


def _owner(target: str) -> Any:
    return Field(sa_column=Column(ForeignKey(target, ondelete="CASCADE"), nullable=False))


def _json(*, nullable: bool = True) -> Any:
    return Field(default=None, sa_column=Column(JSONB, nullable=nullable))


def _serial_id() -> Any:
    return Field(default=None, sa_column=Column(BigInteger, primary_key=True, autoincrement=True))


class User(SQLModel, table=True):
    """A person who signs in, with a local password or through an OpenID Connect issuer."""

    __tablename__ = "users"
    __table_args__ = (UniqueConstraint("oidc_issuer", "oidc_subject", name="uq_users_oidc_identity"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    email: str = Field(sa_column=Column(String(320), nullable=False, unique=True))
    display_name: str = Field(default="", sa_column=Column(String(200), nullable=False, server_default=""))
    password_hash: str | None = Field(default=None, sa_column=Column(String(200)))
    oidc_issuer: str | None = Field(default=None, sa_column=Column(String(500)))
    oidc_subject: str | None = Field(default=None, sa_column=Column(String(255)))
    organisation: str | None = Field(default=None, sa_column=Column(String(255)))  # the issuer's tenant claim
    is_admin: bool = Field(default=False, nullable=False)
    is_active: bool = Field(default=True, nullable=False)
    created_at: datetime = _timestamp()
    last_login_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))


class AuthSession(SQLModel, table=True):
    """A signed-in browser session; the cookie holds a random token, the table only its SHA-256."""

    __tablename__ = "auth_sessions"

    token_hash: str = Field(sa_column=Column(String(64), primary_key=True))
    user_id: uuid.UUID = Field(sa_column=Column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True))
    created_at: datetime = _timestamp()
    last_seen_at: datetime = _timestamp()
    expires_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    user_agent: str = Field(default="", sa_column=Column(String(500), nullable=False, server_default=""))
    ip: str = Field(default="", sa_column=Column(String(64), nullable=False, server_default=""))


class ApiKey(SQLModel, table=True):
    """A personal API key for programmatic clients; stored hashed, shown once."""

    __tablename__ = "api_keys"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    user_id: uuid.UUID = Field(sa_column=Column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True))
    name: str = Field(sa_column=Column(String(100), nullable=False))
    prefix: str = Field(sa_column=Column(String(16), nullable=False))
    key_hash: str = Field(sa_column=Column(String(64), nullable=False, unique=True))
    created_at: datetime = _timestamp()
    last_used_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    revoked_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))


class Chat(SQLModel, table=True):
    """A conversation owned by one user."""

    __tablename__ = "chats"
    __table_args__ = (
        Index("ix_chats_user_updated", "user_id", text("updated_at DESC"), text("id DESC")),
        Index(
            "ix_chats_title_trgm",
            "title",
            postgresql_using="gin",
            postgresql_ops={"title": "gin_trgm_ops"},
        ),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    user_id: uuid.UUID = Field(sa_column=Column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False))
    title: str = Field(sa_column=Column(String(200), nullable=False))
    created_at: datetime = _timestamp()
    updated_at: datetime = _timestamp()


class Message(SQLModel, table=True):
    """One turn of a chat: the user's question or the assistant's answer."""

    __tablename__ = "messages"
    __table_args__ = (
        CheckConstraint("role IN ('user', 'assistant')", name="ck_messages_role"),
        CheckConstraint(f"status IN {MESSAGE_STATUSES}", name="ck_messages_status"),
        Index("ix_messages_chat_order", "chat_id", "id"),
        # One answer at a time per chat: at most one assistant message may be streaming.
        Index(
            "uq_messages_one_streaming_per_chat",
            "chat_id",
            unique=True,
            postgresql_where=text("status = 'streaming'"),
        ),
        # The admin dashboards read answers over a date range from this index alone.
        Index(
            "ix_messages_created",
            "created_at",
            postgresql_include=[
                "role",
                "chat_id",
                "status",
                "model",
                "prompt_tokens",
                "completion_tokens",
                "first_token_ms",
                "latency_ms",
                "grounded_share",
                "numbers_checked",
            ],
        ),
        Index(
            "ix_messages_content_trgm",
            "content",
            postgresql_using="gin",
            postgresql_ops={"content": "gin_trgm_ops"},
        ),
    )

    id: int | None = _serial_id()
    chat_id: uuid.UUID = _owner("chats.id")
    role: str = Field(sa_column=Column(String(16), nullable=False))
    content: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    status: str = Field(default="complete", sa_column=Column(String(16), nullable=False, server_default="complete"))
    error: str | None = Field(default=None, sa_column=Column(Text))
    model: str | None = Field(default=None, sa_column=Column(String(200)))
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    latency_ms: int | None = None
    first_token_ms: int | None = None
    grounded_share: float | None = None
    numbers_checked: int | None = None
    number_checks: list[dict[str, Any]] | None = _json()  # each number of the answer and where it was found
    sources: list[dict[str, Any]] | None = _json()
    created_at: datetime = _timestamp()
    updated_at: datetime = _timestamp()


class ToolCall(SQLModel, table=True):
    """One MCP tool call made while producing an answer."""

    __tablename__ = "tool_calls"
    __table_args__ = (
        CheckConstraint(f"status IN {TOOL_CALL_STATUSES}", name="ck_tool_calls_status"),
        Index("ix_tool_calls_message", "message_id", "id"),
        Index("ix_tool_calls_created", "created_at"),
    )

    id: int | None = _serial_id()
    message_id: int = _owner("messages.id")
    call_id: str = Field(default="", sa_column=Column(String(100), nullable=False, server_default=""))
    tool_name: str = Field(sa_column=Column(String(200), nullable=False))
    arguments: dict[str, Any] | None = _json()
    result: str | None = Field(default=None, sa_column=Column(Text))
    status: str = Field(default="running", sa_column=Column(String(16), nullable=False, server_default="running"))
    error: str | None = Field(default=None, sa_column=Column(Text))
    duration_ms: int | None = None
    created_at: datetime = _timestamp()


class Chart(SQLModel, table=True):
    """A Plotly figure attached to an answer, with the rows behind it and their source."""

    __tablename__ = "charts"
    __table_args__ = (Index("ix_charts_message", "message_id", "id"),)

    id: int | None = _serial_id()
    message_id: int = _owner("messages.id")
    title: str = Field(sa_column=Column(String(500), nullable=False))
    figure: dict[str, Any] = Field(sa_column=Column(JSONB, nullable=False))
    data: list[dict[str, Any]] = Field(sa_column=Column(JSONB, nullable=False))
    source: dict[str, Any] | None = _json()
    created_at: datetime = _timestamp()


class Feedback(SQLModel, table=True):
    """A user's thumbs up or down on an answer, with an optional comment."""

    __tablename__ = "feedback"
    __table_args__ = (
        UniqueConstraint("message_id", "user_id", name="uq_feedback_message_user"),
        CheckConstraint("rating IN (-1, 1)", name="ck_feedback_rating"),
        Index("ix_feedback_created", "created_at"),
    )

    id: int | None = _serial_id()
    message_id: int = _owner("messages.id")
    user_id: uuid.UUID = Field(sa_column=Column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False))
    rating: int = Field(sa_column=Column(SmallInteger, nullable=False))
    comment: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    created_at: datetime = _timestamp()


class AuditEntry(SQLModel, table=True):
    """One action an admin took on an account: who, what, whom, when (emails kept after an account is deleted)."""

    __tablename__ = "admin_audit"
    __table_args__ = (Index("ix_admin_audit_at", text("at DESC"), text("id DESC")),)

    id: int | None = _serial_id()
    at: datetime = _timestamp()
    actor_id: uuid.UUID | None = Field(
        default=None, sa_column=Column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    )
    actor_email: str = Field(sa_column=Column(String(320), nullable=False))
    action: str = Field(sa_column=Column(String(40), nullable=False))
    target_id: uuid.UUID | None = Field(default=None, sa_column=Column(Uuid(), nullable=True))
    target_email: str = Field(default="", sa_column=Column(String(320), nullable=False, server_default=""))
    detail: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))


class Upload(SQLModel, table=True):
    """A CSV file a user uploaded, parsed: its columns, series and preview (`summary`) and its values (`points`)."""

    __tablename__ = "uploads"
    __table_args__ = (Index("ix_uploads_user_created", "user_id", "created_at"), Index("ix_uploads_chat", "chat_id"))

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    user_id: uuid.UUID = Field(sa_column=Column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False))
    chat_id: uuid.UUID | None = Field(default=None, sa_column=Column(ForeignKey("chats.id", ondelete="CASCADE")))
    filename: str = Field(sa_column=Column(String(255), nullable=False))
    summary: dict[str, Any] = Field(sa_column=Column(JSONB, nullable=False))
    points: list[list[Any]] = Field(sa_column=Column(JSONB, nullable=False))
    created_at: datetime = _timestamp()
