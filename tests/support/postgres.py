"""PostgreSQL for tests: the embedded server in a project-local folder, and URLs for databases on it."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from data360_chat.db.embedded import embedded_url, start_embedded


def server_url(data_dir: Path, folder: str) -> str:
    """Start (or attach to) an embedded server and return the URL of its `postgres` database."""
    return embedded_url(start_embedded(data_dir, folder=folder))


def database_url_for(url: str, database: str) -> str:
    """The same server URL pointing at another database."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{database}", parts.query, parts.fragment))
