"""answers cut short keep their own status; each answer keeps the check of its numbers

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_STATUSES = "('streaming', 'complete', 'cancelled', 'error')"
NEW_STATUSES = "('streaming', 'complete', 'cut_off', 'too_long', 'filtered', 'cancelled', 'error')"


def upgrade() -> None:
    op.drop_constraint("ck_messages_status", "messages", type_="check")
    op.create_check_constraint("ck_messages_status", "messages", f"status IN {NEW_STATUSES}")
    op.add_column("messages", sa.Column("number_checks", postgresql.JSONB(astext_type=sa.Text()), nullable=True))


def downgrade() -> None:
    op.drop_column("messages", "number_checks")
    # An answer cut short was, before this revision, an answer that ended with an error.
    op.execute("UPDATE messages SET status = 'error' WHERE status IN ('cut_off', 'too_long', 'filtered')")
    op.drop_constraint("ck_messages_status", "messages", type_="check")
    op.create_check_constraint("ck_messages_status", "messages", f"status IN {OLD_STATUSES}")
