"""PostgreSQL access: the async engine, the embedded server, the tables and migrations."""

from data360_chat.db.engine import Database, DatabaseUnavailable, get_database

__all__ = ["Database", "DatabaseUnavailable", "get_database"]
