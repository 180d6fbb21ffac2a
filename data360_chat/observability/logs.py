"""Log lines: one JSON object per line (`LOG_FORMAT=json`, the default) or text for people (`LOG_FORMAT=text`).

Every line carries the time (UTC, ISO 8601), level, message, logger and the request, user and chat ids bound in
`observability.context`, so one answer or one request can be followed across the log:

    {"time": "2026-12-03T07:01:02.345Z", "level": "info", "message": "answer 12 complete in 1.8 s",
     "logger": "data360_chat.assistant.pipeline", "request_id": "9f2c...", "user_id": "5b1e...", "chat_id": "0c7a..."}
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import TextIO

from data360_chat.observability import context
from data360_chat.settings import Settings

HANDLER_NAME = "d360"
# Libraries whose info lines are noise for an operator (one line per HTTP request they make).
QUIET_LOGGERS = ("httpx", "httpx2", "httpcore", "LiteLLM", "mcp.client.streamable_http", "opentelemetry")


def _time(record: logging.LogRecord) -> str:
    moment = datetime.fromtimestamp(record.created, tz=UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


class JsonFormatter(logging.Formatter):
    """One JSON object per record, with the bound context."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "time": _time(record),
            "level": record.levelname.lower(),
            "message": record.getMessage(),
            "logger": record.name,
            **context.current(),
        }
        if record.exc_info and record.exc_info[0] is not None:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """`time level logger [request user chat] message`, the ids that are bound only."""

    def format(self, record: logging.LogRecord) -> str:
        ids = " ".join(f"{key.split('_')[0]}={value}" for key, value in context.current().items() if value)
        line = f"{_time(record)} {record.levelname:<7} {record.name}{f' [{ids}]' if ids else ''} {record.getMessage()}"
        if record.exc_info and record.exc_info[0] is not None:
            line += "\n" + self.formatException(record.exc_info)
        return line


def configure_logging(settings: Settings, stream: TextIO | None = None) -> None:
    """Send the root logger's records to `stream` (stdout by default) in `LOG_FORMAT` at `LOG_LEVEL`.

    Calling it again replaces the handler it installed (never another one's).
    """
    root = logging.getLogger()
    for handler in [h for h in root.handlers if h.get_name() == HANDLER_NAME]:
        root.removeHandler(handler)
    handler = logging.StreamHandler(stream or sys.stdout)
    handler.set_name(HANDLER_NAME)
    handler.setFormatter(JsonFormatter() if settings.log_format == "json" else TextFormatter())
    root.addHandler(handler)
    root.setLevel(settings.log_level.upper())
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(max(logging.WARNING, root.level))
