"""A fault server for the client's tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.fault_mcp_server import FaultServer, fault_server


@pytest.fixture
def faults() -> Iterator[FaultServer]:
    """A running fault MCP server over streamable HTTP."""
    with fault_server() as server:
        yield server
