"""The Data360 tools over an offline bundle, with the public data360-mcp server's names, arguments and shapes.

Every tool returns a JSON-ready dict (or list) and never raises for bad arguments: problems come back in an
`error` field that says what is valid. Values are exactly those of the data files; missing years are absent.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from data360_chat.offline_mcp.arguments import (
    FIXED_CODELISTS,
    MAX_TEXT,
    Arguments,
    check_paging,
    page_info,
    time_periods,
)
from data360_chat.offline_mcp.catalogue import Catalogue, Indicator
from data360_chat.offline_mcp.places import Places
from data360_chat.offline_mcp.search import IndicatorIndex
from data360_chat.offline_mcp.viz import supported_chart_types, viz_spec

MAX_SEARCH_LIMIT = 50
MAX_DATA_LIMIT = 100
MAX_LIST_LIMIT = 1000
DEFINITION_PREVIEW = 100
CODELISTS = ("REF_AREA", "FREQ", "SEX", "AGE", "URBANISATION", "UNIT_MEASURE")


class OfflineData360:
    """The nine Data360 tools over one loaded catalogue."""

    def __init__(self, catalogue: Catalogue, public_url: str = "") -> None:
        self.catalogue = catalogue
        self.places = Places(catalogue)
        self.index = IndicatorIndex(list(catalogue.indicators.values()))
        self.arguments = Arguments(catalogue, self.places, self.index)
        self.public_url = public_url.rstrip("/")

    def search_indicators(
        self, query: str, required_country: str | None = None, limit: int = 5, offset: int = 0
    ) -> dict[str, Any]:
        """Search World Bank indicators by topic in plain words; best matches first.

        Args:
            query: What to look for, e.g. "unemployment", "size of the economy", "CO2 per capita".
            required_country: Optional country or countries (ISO3 codes or names, comma-separated); indicators with
                data for them come first and `covers_country` says whether each has.
            limit: Results per page (default 5, at most 50).
            offset: Results to skip, for the next page (`next_offset`).

        Returns indicators (`idno`, `database_id`, `name`, `unit`, years) and `count`, `total_count`, `has_more`,
        `next_offset`; `error` says what was wrong instead of failing.
        """
        paging = check_paging(limit, offset, MAX_SEARCH_LIMIT)
        if isinstance(paging, str):
            return {"indicators": [], "error": paging}
        limit, offset = paging
        if not isinstance(query, str) or not query.strip() or len(query) > MAX_TEXT:
            return {"indicators": [], "error": "query must be a few words such as 'unemployment rate'."}
        codes: list[str] = []
        if required_country:
            codes, unknown = self.places.resolve(str(required_country))
            if unknown and not codes:
                return {"indicators": [], "error": f"Unknown country or area: {', '.join(unknown)}."}
        found = [indicator for indicator, _ in self.index.search(query)]
        if not found:
            return {"indicators": [], "error": f"No indicators found for: {query!r}"}
        if codes:
            found.sort(key=lambda indicator: not any(code in indicator.series for code in codes))
        page = found[offset : offset + limit]
        return {
            "indicators": [self._summary(indicator, codes) for indicator in page],
            "required_country": ",".join(codes) or None,
            **page_info(len(found), limit, offset, len(page)),
            "error": None,
        }

    def _summary(self, indicator: Indicator, codes: list[str]) -> dict[str, Any]:
        return {
            "idno": indicator.idno,
            "database_id": self.catalogue.database_id,
            "name": indicator.name,
            "truncated_definition": indicator.definition[:DEFINITION_PREVIEW],
            "unit": indicator.unit,
            "periodicity": "Annual",
            "latest_data": str(indicator.last_year) if indicator.last_year else None,
            "time_period_range": f"{indicator.first_year}-{indicator.last_year}" if indicator.first_year else None,
            "covers_country": any(code in indicator.series for code in codes) if codes else None,
            "dimensions": None,
        }

    def get_metadata(
        self,
        database_id: str,
        indicator_id: str,
        select_fields: list[str] | None = None,
        fetch_disaggregation: bool = True,
    ) -> dict[str, Any]:
        """An indicator's full description: definition, unit, years, countries, topics, source and licence.

        Args:
            database_id: Database id, "WB_WDI".
            indicator_id: Indicator id such as "WB_WDI_SP_POP_TOTL" (from data360_search_indicators).
            select_fields: Optional metadata fields to keep, e.g. ["definition_long", "measurement_unit"].
            fetch_disaggregation: Whether to list the dimension values (years, countries) too.
        """
        indicator = self.arguments.indicator(database_id, indicator_id)
        if isinstance(indicator, str):
            return {"indicator_metadata": None, "disaggregation_options": [], "error": indicator}
        metadata = {
            "idno": indicator.idno,
            "name": indicator.name,
            "database_id": self.catalogue.database_id,
            "definition_long": indicator.definition,
            "measurement_unit": indicator.unit,
            "periodicity": "Annual",
            "time_periods": [{"start": str(indicator.first_year), "end": str(indicator.last_year)}],
            "ref_country": sorted(indicator.series),
            "topics": indicator.topics,
            "sources_note": "World Bank, World Development Indicators",
            "license": indicator.license,
            "wdi_code": indicator.code,
        }
        if select_fields:
            wanted = {str(field) for field in select_fields} | {"idno", "name"}
            metadata = {key: value for key, value in metadata.items() if key in wanted}
        return {
            "indicator_metadata": metadata,
            "disaggregation_options": self._dimensions(indicator) if fetch_disaggregation else [],
            "error": None,
        }

    def _dimensions(self, indicator: Indicator) -> list[dict[str, Any]]:
        return [
            {
                "field_name": "TIME_PERIOD",
                "label_name": "Time period",
                "field_value": [str(y) for y in indicator.years()],
            },
            {"field_name": "REF_AREA", "label_name": "Reference area", "field_value": sorted(indicator.series)},
            {"field_name": "FREQ", "label_name": "Frequency", "field_value": ["A"]},
        ]

    def get_disaggregation(self, database_id: str, indicator_id: str) -> dict[str, Any]:
        """The dimension values an indicator has data for: TIME_PERIOD years, REF_AREA codes, FREQ.

        Args:
            database_id: Database id, "WB_WDI".
            indicator_id: Indicator id such as "WB_WDI_SP_POP_TOTL".
        """
        indicator = self.arguments.indicator(database_id, indicator_id)
        if isinstance(indicator, str):
            return {"error": indicator}
        return {"dimensions": self._dimensions(indicator)}

    def get_data(
        self,
        database_id: str,
        indicator_id: str,
        disaggregation_filters: dict[str, str | None] | None = None,
        start_year: int | None = None,
        end_year: int | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> dict[str, Any]:
        """Observations of one indicator, by country then year, a page at a time.

        Args:
            database_id: Database id, "WB_WDI".
            indicator_id: Indicator id such as "WB_WDI_SP_POP_TOTL" (from data360_search_indicators).
            disaggregation_filters: Countries as {"REF_AREA": "KEN,TZA"}: ISO3 codes, names or World Bank aggregates
                (WLD world, SSF Sub-Saharan Africa, HIC high income ...), comma-separated. Without it: every country.
                {"TIME_PERIOD": "2000,2010"} keeps only those years.
            start_year: First year (inclusive). Without start_year and end_year: the last 20 years with data.
            end_year: Last year (inclusive).
            limit: Rows per page (default 50, at most 100).
            offset: Rows to skip, for the next page (`next_offset`).

        Each row of `data` has INDICATOR, INDICATOR_LABEL, REF_AREA (ISO3), REF_AREA_LABEL, TIME_PERIOD, OBS_VALUE
        and UNIT_MEASURE. Missing years are absent. `error` lists what is valid when an argument is not.
        """
        indicator = self.arguments.indicator(database_id, indicator_id)
        if isinstance(indicator, str):
            return {"data": None, "error": indicator}
        paging = check_paging(limit, offset, MAX_DATA_LIMIT)
        if isinstance(paging, str):
            return {"data": None, "error": paging}
        periods = time_periods(disaggregation_filters)
        if isinstance(periods, str):
            return {"data": None, "error": periods, "failed_validation": [periods]}
        if periods and start_year in (None, "") and end_year in (None, ""):
            start_year, end_year = min(periods), max(periods)
        years = self.arguments.years(indicator, start_year, end_year)
        if isinstance(years, str):
            return {"data": None, "error": years}
        codes, problem = self.arguments.filters(disaggregation_filters)
        if problem:
            return {"data": None, "error": problem, "failed_validation": [problem]}
        rows = self.observations(indicator, codes, years)
        if periods:
            rows = [row for row in rows if int(row["TIME_PERIOD"]) in periods]
        limit, offset = paging
        page = rows[offset : offset + limit]
        result: dict[str, Any] = {
            "data": page,
            "metadata": {
                "idno": indicator.idno,
                "name": indicator.name,
                "database_id": self.catalogue.database_id,
                "unit": indicator.unit,
                "definition": indicator.definition[:MAX_TEXT],
                "source": "World Bank, World Development Indicators",
                "license": indicator.license,
            },
            **page_info(len(rows), limit, offset, len(page)),
            "error": None,
        }
        present = {row["REF_AREA"] for row in rows}
        missing = [code for code in codes or [] if code not in present]
        if missing:
            result["no_data_for"] = missing
            available = indicator.series.get(missing[0])
            if available:
                result["note"] = (
                    f"No data in {years[0]}-{years[1]} for {', '.join(missing)}; "
                    f"{missing[0]} has data for {available[0][0]}-{available[0][-1]}."
                )
        return result

    def observations(self, indicator: Indicator, codes: list[str] | None, years: tuple[int, int]) -> list[dict]:
        """Every observation in range for the countries (all when None), in the public API's row shape."""
        start, end = years
        rows = []
        for code in codes if codes is not None else sorted(indicator.series):
            series = indicator.series.get(code)
            if series is None:
                continue
            name = self.places.name_of(code)
            for year, value in zip(*series, strict=True):
                if start <= year <= end:
                    rows.append(
                        {
                            "DATABASE_ID": self.catalogue.database_id,
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

    def find_codelist_value(self, codelist_type: str, query: str, limit: int = 5) -> list[dict[str, Any]]:
        """Find codes in a codelist, e.g. the REF_AREA code of a country or region name.

        Args:
            codelist_type: One of REF_AREA (countries and aggregates), FREQ, SEX, AGE, URBANISATION, UNIT_MEASURE.
            query: Name(s) or code(s) to look for, e.g. "Ivory Coast" or "Kenya, Tanzania".
            limit: Most matches returned (default 5, at most 50).
        """
        name = str(codelist_type).upper()
        paging = check_paging(limit, 0, MAX_SEARCH_LIMIT)
        if isinstance(paging, str):
            return [{"error": paging}]
        if name not in CODELISTS:
            return [{"error": f"Unknown codelist_type {str(codelist_type)[:40]!r}. Valid: {', '.join(CODELISTS)}."}]
        if not isinstance(query, str) or len(query) > MAX_TEXT:
            return [{"error": "query must be a name or code such as 'Kenya'."}]
        if name == "REF_AREA":
            return self.places.search(query, paging[0])
        if name == "UNIT_MEASURE":
            units = sorted({indicator.unit for indicator in self.catalogue.indicators.values() if indicator.unit})
            return [{"id": unit, "name": unit} for unit in units if query.lower() in unit.lower()][: paging[0]]
        return FIXED_CODELISTS[name]

    def list_indicators(self, database_id: str) -> list[str]:
        """Every indicator id of a database.

        Args:
            database_id: Database id, "WB_WDI".
        """
        if str(database_id).strip().upper() != self.catalogue.database_id:
            return [f"error: unknown database_id {str(database_id)[:40]!r}; valid: {self.catalogue.database_id}"]
        return sorted(self.catalogue.indicators)[:MAX_LIST_LIMIT]

    def get_data_api_url(
        self,
        database_id: str,
        indicator_id: str,
        country_code: str | None = None,
        start_year: int | None = None,
        end_year: int | None = None,
        disaggregation_filters: dict[str, str | None] | None = None,
    ) -> str | dict[str, Any]:
        """[LOW-LEVEL] A URL returning all rows for these arguments as JSON (same rows as data360_get_data).

        Args:
            database_id: Database id, "WB_WDI".
            indicator_id: Indicator id such as "WB_WDI_SP_POP_TOTL".
            country_code: Optional ISO3 codes, comma-separated.
            start_year: Optional first year.
            end_year: Optional last year.
            disaggregation_filters: Optional {"REF_AREA": "..."} as in data360_get_data.
        """
        filters = {**(disaggregation_filters or {}), **({"REF_AREA": country_code} if country_code else {})}
        indicator = self.arguments.indicator(database_id, indicator_id)
        problem = indicator if isinstance(indicator, str) else self.arguments.filters(filters)[1]
        if problem:
            return {"url": None, "error": problem}
        params: dict[str, Any] = {"DATABASE_ID": database_id, "INDICATOR": indicator_id}
        for key, value in filters.items():
            if value is not None and str(key).upper() == "REF_AREA":
                params["REF_AREA"] = value
        if start_year:
            params["timePeriodFrom"] = start_year
        if end_year:
            params["timePeriodTo"] = end_year
        return f"{self.public_url}/data?{urlencode(params)}"

    def data_rows(
        self, database_id: str, indicator_id: str, country_code: str | None, start_year: Any, end_year: Any
    ) -> tuple[list[dict], str | None]:
        """All rows for a data URL's parameters, or an error."""
        indicator = self.arguments.indicator(database_id, indicator_id)
        if isinstance(indicator, str):
            return [], indicator
        years = self.arguments.years(indicator, start_year, end_year)
        if isinstance(years, str):
            return [], years
        codes, problem = self.arguments.filters({"REF_AREA": country_code} if country_code else None)
        if problem:
            return [], problem
        return self.observations(indicator, codes, years), None

    def get_viz_spec(
        self,
        database_id: str,
        indicator_id: str,
        country_code: str | None = None,
        start_year: int | None = None,
        end_year: int | None = None,
        disaggregation_filters: dict[str, str | None] | None = None,
        chart_type: str | None = None,
        relevant_fields: list[str] | None = None,
        custom_constraints: list[str] | None = None,
        use_default_constraints: bool = True,
    ) -> dict[str, Any]:
        """A Vega-Lite chart of an indicator's data, returned inline in `spec` (`url` is None).

        Args:
            database_id: Database id, "WB_WDI".
            indicator_id: Indicator id such as "WB_WDI_SP_POP_TOTL".
            country_code: ISO3 codes, comma-separated (a chart takes at most 2,000 points).
            start_year: Optional first year (default: the last 20 years with data).
            end_year: Optional last year.
            disaggregation_filters: Optional {"REF_AREA": "..."} as in data360_get_data.
            chart_type: line, bar, point, area or tick (default: line over years, bar for one year).
            relevant_fields: Accepted for compatibility; the chart uses country, year and value.
            custom_constraints: Accepted for compatibility.
            use_default_constraints: Accepted for compatibility.
        """
        country = country_code or (disaggregation_filters or {}).get("REF_AREA")
        rows, problem = self.data_rows(database_id, indicator_id, country, start_year, end_year)
        if problem:
            return {"url": None, "spec": None, "error": problem}
        return viz_spec(rows, chart_type)

    @staticmethod
    def get_supported_chart_types() -> dict[str, Any]:
        """The chart types data360_get_viz_spec makes and what data each needs."""
        return supported_chart_types()
