"""The result shapes of the public Data360 MCP server (data360-mcp 0.1.2), which the offline tools answer in.

Every declared key is always present, in success and in error (`error` set, the rest at their defaults), and the
server publishes these models as the tools' output schemas. tests/mcp_client/test_partner_drift.py compares them
with the public server's own.
"""

from __future__ import annotations

import json
import zlib
from typing import Any

from pydantic import BaseModel, Field


class PagedResponse(BaseModel):
    """Paging fields shared by the paged results."""

    count: int = Field(0, description="Number of results in the current page")
    total_count: int | None = Field(None, description="Total number of results")
    offset: int | None = Field(None, description="Offset of the current page")
    has_more: bool | None = Field(None, description="Whether there are more results")
    next_offset: int | None = Field(None, description="Offset of the next page")


class EnrichedIndicator(BaseModel):
    """One indicator found by the search, with what is needed to choose it."""

    idno: str = Field(description="Indicator ID (e.g., WB_WDI_SP_POP_TOTL)")
    database_id: str = Field(description="Database ID (e.g., WB_WDI)")
    name: str = Field(description="Indicator name")
    truncated_definition: str = Field(description="Truncated definition (max 100 chars)")
    periodicity: str | None = Field(None, description="Data periodicity (Annual, Monthly)")
    latest_data: str | None = Field(None, description="Most recent year with data")
    time_period_range: str | None = Field(None, description="Data availability range (e.g., '1990-2024')")
    covers_country: bool | None = Field(None, description="True if indicator has data for the requested country")
    dimensions: list[str] | None = Field(None, description="Available disaggregations (SEX, AGE, URBANISATION)")


class SearchResult(PagedResponse):
    """`data360_search_indicators`: indicators, best first."""

    indicators: list[EnrichedIndicator] = Field(default_factory=list, description="Indicators, best first")
    required_country: str | None = Field(None, description="Resolved country code(s) (e.g., KEN for Kenya)")
    error: str | None = Field(None, description="Error message if search failed")


class MetadataResult(BaseModel):
    """`data360_get_metadata`: an indicator's description and its dimensions."""

    indicator_metadata: dict[str, Any] | None = Field(None, description="Metadata of the indicator")
    disaggregation_options: list[dict[str, Any]] = Field(
        default_factory=list, description="Available disaggregation options for the indicator"
    )
    error: str | None = Field(None, description="Error message if metadata retrieval failed")


class DataResult(PagedResponse):
    """`data360_get_data`: one page of observations."""

    data: list[dict[str, Any]] | None = Field(None, description="List of indicator data points")
    metadata: dict[str, Any] | None = Field(None, description="Basic metadata for the indicator (name, unit ...)")
    error: str | None = Field(None, description="Error message if data retrieval failed")
    failed_validation: list[str] | None = Field(None, description="List of filter validation errors")


def claim_id(row: dict[str, Any]) -> str:
    """The public server's checksum of a data row (CRC-32 of its sorted JSON), to check a value quoted later."""
    return f"{zlib.crc32(json.dumps(row, sort_keys=True).encode()) & 0xFFFFFFFF:08x}"
