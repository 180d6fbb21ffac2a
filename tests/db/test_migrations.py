"""Migrations build exactly the models' schema, and can be undone."""

from __future__ import annotations

import asyncio

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

from data360_chat.db import models  # noqa: F401  (registers the tables)
from data360_chat.db.engine import Database
from data360_chat.db.migrate import downgrade, upgrade


async def _schema_diff(url: str) -> list:
    database = Database(url)
    try:
        async with database.engine.connect() as conn:
            return await conn.run_sync(
                lambda sync: compare_metadata(
                    MigrationContext.configure(sync, opts={"compare_type": True}), SQLModel.metadata
                )
            )
    finally:
        await database.dispose()


async def _tables(url: str) -> set[str]:
    database = Database(url)
    try:
        async with database.engine.connect() as conn:
            result = await conn.exec_driver_sql("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
            return {row[0] for row in result}
    finally:
        await database.dispose()


async def test_migrations_match_the_models_exactly(db_url):
    assert await _schema_diff(db_url) == []


async def test_downgrade_to_base_then_upgrade_again(db_url):
    expected = set(SQLModel.metadata.tables)
    assert expected <= await _tables(db_url)

    await asyncio.to_thread(downgrade, db_url, "base")
    assert await _tables(db_url) == {"alembic_version"}

    await asyncio.to_thread(upgrade, db_url)
    assert await _tables(db_url) == expected | {"alembic_version"}
    assert await _schema_diff(db_url) == []
