"""Apply the Alembic migrations programmatically (blocking; call from a thread inside an event loop)."""

from __future__ import annotations

from alembic import command
from alembic.config import Config

from data360_chat.settings import PROJECT_ROOT


def alembic_config(database_url: str) -> Config:
    """Alembic's configuration pointed at `database_url`."""
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.attributes["database_url"] = database_url
    config.attributes["configure_logging"] = False
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    """Migrate the database up to `revision`."""
    command.upgrade(alembic_config(database_url), revision)


def downgrade(database_url: str, revision: str = "base") -> None:
    """Migrate the database down to `revision`."""
    command.downgrade(alembic_config(database_url), revision)
