"""users.organisation: the organisation an issuer names (its tenant claim), for per-organisation limits

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("users", sa.Column("organisation", sa.String(length=255), nullable=True))


def downgrade() -> None:
    op.drop_column("users", "organisation")
