"""Servers for the client's tests: the fault server, and the public Data360 MCP server with its API stand-in."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.fault_mcp_server import FaultServer, fault_server
from tests.support.partner import Partner, Upstream, data360_partner, data360_upstream


@pytest.fixture
def faults() -> Iterator[FaultServer]:
    """A running fault MCP server over streamable HTTP."""
    with fault_server() as server:
        yield server


@pytest.fixture(scope="session")
def upstream() -> Iterator[Upstream]:
    """The Data360 API stand-in serving the WDI bundle (faults are switched on only by tests with their own)."""
    with data360_upstream() as running:
        yield running


@pytest.fixture(scope="session")
def partner(upstream: Upstream, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Partner]:
    """The public data360-mcp server over streamable HTTP, its API the stand-in."""
    with data360_partner(upstream, tmp_path_factory.mktemp("partner")) as running:
        yield running
