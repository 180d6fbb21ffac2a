"""Loopback networking helpers for tests."""

from __future__ import annotations

from data360_chat.offline_mcp.process import free_loopback_port as free_port

__all__ = ["free_port"]
