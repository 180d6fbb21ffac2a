"""Tool arguments as a model writes them, checked: ids, paging, years and country filters.

Every check returns the value or a message that says what was wrong and what is valid, never raises.
"""

from __future__ import annotations

import re
from typing import Any

from data360_chat.offline_mcp.catalogue import Catalogue, Indicator
from data360_chat.offline_mcp.places import Places
from data360_chat.offline_mcp.search import IndicatorIndex

MAX_TEXT = 500
DEFAULT_YEARS = 20
FILTER_DIMENSIONS = ("REF_AREA", "TIME_PERIOD", "FREQ", "SEX", "AGE", "URBANISATION", "UNIT_MEASURE")
TOTAL_CODES = {"_T", "_Z", "T", "TOTAL", "A"}
SUSPICIOUS = re.compile(r"(\.\./|^/|^[a-z][a-z0-9+.-]*://|\\)", re.IGNORECASE)
FIXED_CODELISTS = {
    "FREQ": [{"id": "A", "name": "Annual"}],
    "SEX": [{"id": "_T", "name": "Total"}],
    "AGE": [{"id": "_T", "name": "All ages"}],
    "URBANISATION": [{"id": "_T", "name": "Total"}],
}


class Arguments:
    """Checks the arguments that name things in the catalogue (indicators, countries, years)."""

    def __init__(self, catalogue: Catalogue, places: Places, index: IndicatorIndex) -> None:
        self.catalogue = catalogue
        self.places = places
        self.index = index

    def indicator(self, database_id: str, indicator_id: str) -> Indicator | str:
        """The indicator, or an error message listing what is valid."""
        for label, value in (("database_id", database_id), ("indicator_id", indicator_id)):
            if not isinstance(value, str) or not value.strip() or len(value) > MAX_TEXT or SUSPICIOUS.search(value):
                return f"Invalid {label} {str(value)[:80]!r}: give a Data360 id such as WB_WDI or WB_WDI_SP_POP_TOTL."
        if database_id.strip().upper() != self.catalogue.database_id:
            return f"Unknown database_id {database_id!r}. Valid databases: {self.catalogue.database_id}."
        key = indicator_id.strip().upper().replace(".", "_")
        if not key.startswith("WB_WDI_"):
            key = f"WB_WDI_{key}"
        indicator = self.catalogue.indicators.get(key)
        if indicator is None:
            close = [found.idno for found, _ in self.index.search(indicator_id.replace("_", " "))[:5]]
            hint = f" Closest: {', '.join(close)}." if close else ""
            return (
                f"Unknown indicator_id {indicator_id!r} in {self.catalogue.database_id}.{hint} "
                "Use data360_search_indicators or data360_list_indicators to find valid ids."
            )
        return indicator

    def years(self, indicator: Indicator, start_year: Any, end_year: Any) -> tuple[int, int] | str:
        try:
            start = int(start_year) if start_year not in (None, "") else None
            end = int(end_year) if end_year not in (None, "") else None
        except (TypeError, ValueError):
            return "start_year and end_year must be years such as 2000."
        last = indicator.last_year or max(indicator.years(), default=2024)
        if start is None and end is None:
            return last - DEFAULT_YEARS + 1, last
        start = start if start is not None else -10_000
        end = end if end is not None else 10_000
        if start > end:
            return f"start_year {start} is after end_year {end}."
        return start, end

    def filters(self, filters: Any) -> tuple[list[str] | None, str | None]:
        """The REF_AREA codes asked for (None: all), or an error listing valid dimensions and values."""
        if filters in (None, ""):
            return None, None
        if not isinstance(filters, dict):
            return None, 'disaggregation_filters must be an object such as {"REF_AREA": "KEN,TZA"}.'
        codes: list[str] | None = None
        for dimension, value in filters.items():
            name = str(dimension).upper()
            if name not in FILTER_DIMENSIONS:
                return (
                    None,
                    f"Unknown dimension {str(dimension)[:40]!r}. Valid dimensions: {', '.join(FILTER_DIMENSIONS)}.",
                )
            if value is None or name == "TIME_PERIOD":
                continue
            text = str(value)
            if len(text) > MAX_TEXT or SUSPICIOUS.search(text):
                return None, f"Invalid value for {name}: give codes such as KEN or a comma-separated list."
            if name == "REF_AREA":
                codes, unknown = self.places.resolve(text)
                if unknown:
                    hints = [hint for part in unknown for hint in self.places.suggestions(part)]
                    hint = f" Did you mean: {', '.join(hints)}?" if hints else ""
                    return None, (
                        f"Unknown country or area: {', '.join(unknown)}.{hint} "
                        "Use ISO3 codes (KEN), names, or World Bank aggregates (WLD, SSF, HIC)."
                    )
            elif {part.strip().upper() for part in text.split(",")} - TOTAL_CODES:
                valid = ", ".join(item["id"] for item in FIXED_CODELISTS.get(name, [{"id": "_T"}]))
                return None, f"{name} {text!r} is not available for WDI indicators. Valid values: {valid}."
        return codes, None


def check_paging(limit: Any, offset: Any, maximum: int) -> tuple[int, int] | str:
    try:
        limit, offset = int(limit), int(offset)
    except (TypeError, ValueError):
        return "limit and offset must be whole numbers."
    if offset < 0:
        return f"offset must be 0 or more (got {offset})."
    if limit < 1:
        return f"limit must be between 1 and {maximum} (got {limit})."
    return min(limit, maximum), offset


def page_info(total: int, limit: int, offset: int, count: int) -> dict[str, Any]:
    has_more = offset + count < total
    return {
        "count": count,
        "total_count": total,
        "offset": offset,
        "has_more": has_more,
        "next_offset": offset + count if has_more else None,
    }


def time_periods(filters: Any) -> set[int] | str | None:
    """The years a TIME_PERIOD filter asks for ("2010" or "2000,2010"), or an error."""
    if not isinstance(filters, dict):
        return None
    value = next((value for key, value in filters.items() if str(key).upper() == "TIME_PERIOD"), None)
    if value in (None, ""):
        return None
    try:
        return {int(part) for part in str(value).split(",") if part.strip()}
    except ValueError:
        return f"TIME_PERIOD {str(value)[:40]!r} must be years such as 2010 or 2000,2010 (or use start_year/end_year)."
