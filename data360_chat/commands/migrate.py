"""`migrate`: bring the database schema up to date."""

from __future__ import annotations

import argparse
import asyncio
import sys

from data360_chat.db.engine import Database, DatabaseUnavailable, resolve_database_url
from data360_chat.db.migrate import upgrade
from data360_chat.settings import get_settings


def register(commands: argparse._SubParsersAction) -> None:
    """Add the `migrate` command."""
    parser = commands.add_parser("migrate", help="apply database migrations")
    parser.set_defaults(run=run)


def prepare_database(database_url: str) -> None:
    """Check that the database answers, then migrate it; `DatabaseUnavailable` names where it was looked for."""

    async def check() -> None:
        database = Database(database_url, pool_size=1, max_overflow=0)
        try:
            await database.check()
        finally:
            await database.dispose()

    asyncio.run(check())
    upgrade(database_url)


def run(args: argparse.Namespace) -> int:
    """Migrate the configured database."""
    try:
        prepare_database(resolve_database_url(get_settings()))
    except DatabaseUnavailable as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print("database is up to date")
    return 0
