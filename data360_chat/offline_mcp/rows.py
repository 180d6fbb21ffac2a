"""Observations of the offline bundle in the public Data360 API's row shape, and the rows behind a data URL."""

from __future__ import annotations

from typing import Any

from data360_chat.offline_mcp.arguments import Arguments
from data360_chat.offline_mcp.catalogue import Catalogue, Indicator
from data360_chat.offline_mcp.places import Places


class Rows:
    """Rows of observations, as `data360_get_data` pages them and a data URL serves them."""

    def __init__(self, catalogue: Catalogue, places: Places, arguments: Arguments) -> None:
        self._catalogue = catalogue
        self._places = places
        self._arguments = arguments

    def observations(self, indicator: Indicator, codes: list[str] | None, years: tuple[int, int]) -> list[dict]:
        """Every observation in range for the countries (all when None), in the public API's row shape."""
        start, end = years
        rows = []
        for code in codes if codes is not None else sorted(indicator.series):
            series = indicator.series.get(code)
            if series is None:
                continue
            name = self._places.name_of(code)
            for year, value in zip(*series, strict=True):
                if start <= year <= end:
                    rows.append(
                        {
                            "DATABASE_ID": self._catalogue.database_id,
                            "INDICATOR": indicator.idno,
                            "INDICATOR_LABEL": indicator.name,
                            "REF_AREA": code,
                            "REF_AREA_LABEL": name,
                            "TIME_PERIOD": str(year),
                            "OBS_VALUE": value,
                            "UNIT_MEASURE": indicator.unit,
                            "FREQ": "A",
                        }
                    )
        return rows

    def for_url(
        self, database_id: str, indicator_id: str, country_code: str | None, start_year: Any, end_year: Any
    ) -> tuple[list[dict], str | None]:
        """All rows for a data URL's parameters, or an error."""
        indicator = self._arguments.indicator(database_id, indicator_id)
        if isinstance(indicator, str):
            return [], indicator
        years = self._arguments.years(indicator, start_year, end_year)
        if isinstance(years, str):
            return [], years
        codes, problem = self._arguments.filters({"REF_AREA": country_code} if country_code else None)
        if problem:
            return [], problem
        return self.observations(indicator, codes, years), None
