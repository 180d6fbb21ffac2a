"""admin: answer timings and grounding counts, dashboard indexes, the admin audit log

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("messages", sa.Column("first_token_ms", sa.Integer(), nullable=True))
    op.add_column("messages", sa.Column("numbers_checked", sa.Integer(), nullable=True))
    op.create_index(
        "ix_messages_created",
        "messages",
        ["created_at"],
        unique=False,
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
    )
    op.create_index("ix_tool_calls_created", "tool_calls", ["created_at"], unique=False)
    op.create_index("ix_feedback_created", "feedback", ["created_at"], unique=False)
    op.create_table(
        "admin_audit",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("actor_id", sa.Uuid(), nullable=True),
        sa.Column("actor_email", sa.String(length=320), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("target_id", sa.Uuid(), nullable=True),
        sa.Column("target_email", sa.String(length=320), server_default="", nullable=False),
        sa.Column("detail", sa.Text(), server_default="", nullable=False),
        sa.ForeignKeyConstraint(["actor_id"], ["users.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_admin_audit_at", "admin_audit", [sa.literal_column("at DESC"), sa.literal_column("id DESC")], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_admin_audit_at", table_name="admin_audit")
    op.drop_table("admin_audit")
    op.drop_index("ix_feedback_created", table_name="feedback")
    op.drop_index("ix_tool_calls_created", table_name="tool_calls")
    op.drop_index("ix_messages_created", table_name="messages")
    op.drop_column("messages", "numbers_checked")
    op.drop_column("messages", "first_token_ms")
