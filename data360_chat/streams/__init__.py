"""Answers running in the background, followed and stopped from any tab (and any replica, with Redis)."""

from data360_chat.streams.runner import FLUSH_INTERVAL, AnswerRunner, get_runner
from data360_chat.streams.state import AnswerSnapshot, AnswerUpdate, ToolStep

__all__ = ["FLUSH_INTERVAL", "AnswerRunner", "AnswerSnapshot", "AnswerUpdate", "ToolStep", "get_runner"]
