"""What an operator sees of the running app: metrics (`metrics`), traces (`tracing`), log lines (`logs`) and the
ids every log line carries (`context`). Plain Python: no Reflex here.

    setup(settings)                   # once per process, early: log format and whether metrics are recorded
    app.register_lifespan_task(lifespan)   # each server process: tracing starts and stops with it
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator

from data360_chat.observability.logs import configure_logging
from data360_chat.observability.metrics import configure_metrics, process_exited
from data360_chat.observability.tracing import configure_tracing, shutdown_tracing
from data360_chat.settings import Settings, get_settings


def setup(settings: Settings) -> None:
    """Log lines in `LOG_FORMAT` on stdout, and metrics on or off (`METRICS_ENABLED`)."""
    configure_logging(settings)
    configure_metrics(settings.metrics_enabled)


@contextlib.asynccontextmanager
async def lifespan() -> AsyncIterator[None]:
    """A server process's life: tracing starts in it (exporting from each worker), queued spans are sent at its
    end, and its gauges are forgotten."""
    configure_tracing(get_settings())
    try:
        yield
    finally:
        shutdown_tracing()
        process_exited(os.getpid())
