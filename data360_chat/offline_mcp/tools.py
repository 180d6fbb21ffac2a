"""The Data360 tools over an offline bundle, with the public data360-mcp server's names, arguments and shapes.

The tools answer as the public server's do: its result models (`shapes`), with problems in their `error` field
(saying what is valid), and a `ToolError` where the public server's tool raises (the list, URL and codelist
tools). Values are exactly those of the data files; missing years are absent. Each docstring describes every
argument: the server publishes it as the tool's description and each argument's.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from mcp.server.mcpserver.exceptions import ToolError

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
from data360_chat.offline_mcp.rows import Rows
from data360_chat.offline_mcp.search import IndicatorIndex
from data360_chat.offline_mcp.shapes import DataResult, EnrichedIndicator, MetadataResult, SearchResult, claim_id
from data360_chat.offline_mcp.viz import SpecStore, supported_chart_types, viz_spec

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
        self.rows = Rows(catalogue, self.places, self.arguments)
        self.public_url = public_url.rstrip("/")
        self.specs = SpecStore()

    def search_indicators(
        self, query: str, required_country: str | None = None, limit: int = 5, offset: int = 0
    ) -> SearchResult:
        """Search World Bank indicators by topic in plain words; best matches first.

        Args:
            query: What to look for in plain words, e.g. "unemployment", "size of the economy", "CO2 per capita".
            required_country: Optional country or countries (ISO3 codes or names, comma-separated, e.g. "Kenya" or
                "KEN, TZA"); indicators with data for them come first and `covers_country` says whether each has.
            limit: Results per page (default 5, at most 50).
            offset: Results to skip, for the next page (the previous result's `next_offset`; default 0).

        Returns `indicators` (each with `idno`, `database_id`, `name`, `truncated_definition`, `latest_data`,
        `time_period_range`, `covers_country`), `required_country` (the resolved codes) and the paging fields
        `count`, `total_count`, `offset`, `has_more`, `next_offset`; `error` says what was wrong instead of failing.
        """
        paging = check_paging(limit, offset, MAX_SEARCH_LIMIT)
        if isinstance(paging, str):
            return SearchResult(error=paging)
        limit, offset = paging
        if not isinstance(query, str) or not query.strip() or len(query) > MAX_TEXT:
            return SearchResult(error="query must be a few words such as 'unemployment rate'.")
        codes: list[str] = []
        if required_country:
            codes, unknown = self.places.resolve(str(required_country))
            if unknown and not codes:
                return SearchResult(error=f"Unknown country or area: {', '.join(unknown)}.")
        found = [indicator for indicator, _ in self.index.search(query)]
        if not found:
            return SearchResult(error=f"No indicators found for: {query!r}")
        if codes:
            found.sort(key=lambda indicator: not any(code in indicator.series for code in codes))
        page = found[offset : offset + limit]
        return SearchResult(
            indicators=[self._summary(indicator, codes) for indicator in page],
            required_country=",".join(codes) or None,
            **page_info(len(found), limit, offset, len(page)),
        )

    def _summary(self, indicator: Indicator, codes: list[str]) -> EnrichedIndicator:
        return EnrichedIndicator(
            idno=indicator.idno,
            database_id=self.catalogue.database_id,
            name=indicator.name,
            truncated_definition=indicator.definition[:DEFINITION_PREVIEW],
            periodicity="Annual",
            latest_data=str(indicator.last_year) if indicator.last_year else None,
            time_period_range=f"{indicator.first_year}-{indicator.last_year}" if indicator.first_year else None,
            covers_country=any(code in indicator.series for code in codes) if codes else None,
        )

    def get_metadata(
        self,
        database_id: str,
        indicator_id: str,
        select_fields: list[str] | None = None,
        fetch_disaggregation: bool = True,
    ) -> MetadataResult:
        """An indicator's full description: definition, unit, years, countries, topics, source and licence.

        Args:
            database_id: Database identifier: "WB_WDI" (the `database_id` of a search result).
            indicator_id: Indicator ID such as "WB_WDI_SP_POP_TOTL" (the `idno` of a search result).
            select_fields: Optional list of metadata fields to return, e.g. ["definition_long", "measurement_unit"];
                all when omitted. Fields: idno, name, database_id, definition_long, measurement_unit, periodicity,
                time_periods, ref_country, topics, sources_note, license, wdi_code.
            fetch_disaggregation: Whether to list the dimension values (years, countries) in
                `disaggregation_options` too (default true).

        Returns `indicator_metadata`, `disaggregation_options` and `error` (what was wrong, instead of failing).
        """
        indicator = self.arguments.indicator(database_id, indicator_id)
        if isinstance(indicator, str):
            return MetadataResult(error=indicator)
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
        options = self.dimensions(indicator) if fetch_disaggregation else []
        return MetadataResult(indicator_metadata=metadata, disaggregation_options=options)

    def dimensions(self, indicator: Indicator) -> list[dict[str, Any]]:
        """The values each dimension takes, as `dimensions` of data360_get_disaggregation."""
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
        """The values an indicator has data for, dimension by dimension: check them before data360_get_data.

        This is the tool for checking which filter values exist for an indicator: the years that have data
        (TIME_PERIOD; there may be gaps, e.g. surveys a few years apart), the countries and aggregates
        (REF_AREA) and the frequency (FREQ, always annual "A" here; do not filter on it). WDI indicators have
        no SEX, AGE or URBANISATION breakdown: their values are totals.

        Args:
            database_id: Database identifier: "WB_WDI" (the `database_id` of a search result).
            indicator_id: Indicator ID such as "WB_WDI_SP_POP_TOTL" (the `idno` of a search result).

        Returns `dimensions`, each with `field_name`, `label_name` and the `field_value` list, e.g.
        {"dimensions": [{"field_name": "TIME_PERIOD", "field_value": ["2015", "2018", "2020"]},
        {"field_name": "REF_AREA", "field_value": ["KEN", "UGA", "TZA"]}]}; or `error`, saying what is valid.
        """
        indicator = self.arguments.indicator(database_id, indicator_id)
        if isinstance(indicator, str):
            return {"error": indicator}
        return {"dimensions": self.dimensions(indicator)}

    def get_data(
        self,
        database_id: str,
        indicator_id: str,
        disaggregation_filters: dict[str, str | None] | None = None,
        start_year: int | None = None,
        end_year: int | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> DataResult:
        """Observations of one indicator, by country then year, a page at a time.

        Args:
            database_id: Database identifier: "WB_WDI" (the `database_id` of a search result).
            indicator_id: Indicator ID such as "WB_WDI_SP_POP_TOTL" (the `idno` of a search result).
            disaggregation_filters: Countries as {"REF_AREA": "KEN,TZA"}: ISO3 codes, names or World Bank aggregates
                (WLD world, SSF Sub-Saharan Africa, HIC high income ...), comma-separated. Without it: every country.
                {"TIME_PERIOD": "2000,2010"} keeps only those years; SEX, AGE and URBANISATION take only totals (_T).
            start_year: First year (inclusive). Without start_year and end_year: the last 20 years with data.
            end_year: Last year (inclusive).
            limit: Rows per page (default 50, at most 100).
            offset: Rows to skip, for the next page (the previous result's `next_offset`; default 0).

        Each row of `data` has INDICATOR, INDICATOR_LABEL, REF_AREA (ISO3), REF_AREA_LABEL, TIME_PERIOD, OBS_VALUE,
        UNIT_MEASURE and `claim_id` (a checksum of the row). Missing years are absent. `metadata` names the
        indicator; `count`, `total_count`, `has_more` and `next_offset` page; `error` (and `failed_validation` for
        filters) lists what is valid when an argument is not.
        """
        indicator = self.arguments.indicator(database_id, indicator_id)
        if isinstance(indicator, str):
            return DataResult(error=indicator)
        paging = check_paging(limit, offset, MAX_DATA_LIMIT)
        if isinstance(paging, str):
            return DataResult(error=paging)
        periods = time_periods(disaggregation_filters)
        if isinstance(periods, str):
            return DataResult(error=periods, failed_validation=[periods])
        if periods and start_year in (None, "") and end_year in (None, ""):
            start_year, end_year = min(periods), max(periods)
        years = self.arguments.years(indicator, start_year, end_year)
        if isinstance(years, str):
            return DataResult(error=years)
        codes, problem = self.arguments.filters(disaggregation_filters)
        if problem:
            return DataResult(error=problem, failed_validation=[problem])
        rows = self.rows.observations(indicator, codes, years)
        if periods:
            rows = [row for row in rows if int(row["TIME_PERIOD"]) in periods]
        limit, offset = paging
        page = [{**row, "claim_id": claim_id(row)} for row in rows[offset : offset + limit]]
        metadata = {
            "idno": indicator.idno,
            "name": indicator.name,
            "database_id": self.catalogue.database_id,
            "periodicity": "Annual",
            "measurement_unit": indicator.unit,
            "definition_short": indicator.definition[:MAX_TEXT],
        }
        missing = [code for code in codes or [] if code not in {row["REF_AREA"] for row in rows}]
        if missing:
            available = indicator.series.get(missing[0])
            metadata["no_data_for"] = missing
            if available:
                metadata["note"] = (
                    f"No data in {years[0]}-{years[1]} for {', '.join(missing)}; "
                    f"{missing[0]} has data for {available[0][0]}-{available[0][-1]}."
                )
        return DataResult(data=page, metadata=metadata, **page_info(len(rows), limit, offset, len(page)))

    def find_codelist_value(self, codelist_type: str, query: str, limit: int = 5) -> list[dict[str, Any]]:
        """Find codes in a codelist, e.g. the REF_AREA code of a country or region name.

        Args:
            codelist_type: Type of codelist: REF_AREA (countries and aggregates), FREQ, SEX, AGE, URBANISATION or
                UNIT_MEASURE.
            query: Name(s) or code(s) to look for, e.g. "Ivory Coast" or "Kenya, Tanzania" (one match each).
            limit: Most matches returned (default 5, at most 50).

        Returns the matches, best first, each with `id`, `name` and `score` (0-100).
        """
        name = str(codelist_type).upper()
        paging = check_paging(limit, 0, MAX_SEARCH_LIMIT)
        if isinstance(paging, str):
            raise ToolError(paging)
        if name not in CODELISTS:
            raise ToolError(f"Unknown codelist_type {str(codelist_type)[:40]!r}. Valid: {', '.join(CODELISTS)}.")
        if not isinstance(query, str) or len(query) > MAX_TEXT:
            raise ToolError("query must be a name or code such as 'Kenya'.")
        if name == "REF_AREA":
            return self.places.search(query, paging[0])
        if name == "UNIT_MEASURE":
            units = sorted({indicator.unit for indicator in self.catalogue.indicators.values() if indicator.unit})
            matches = [unit for unit in units if query.lower() in unit.lower()][: paging[0]]
            return [{"id": unit, "name": unit, "score": 90} for unit in matches]
        return [{**item, "score": 100} for item in FIXED_CODELISTS[name]]

    def list_indicators(self, database_id: str) -> list[str]:
        """Every indicator ID of a database.

        Args:
            database_id: The database ID to list the indicators of: "WB_WDI".

        Returns the list of indicator IDs.
        """
        if str(database_id).strip().upper() != self.catalogue.database_id:
            raise ToolError(f"Unknown database_id {str(database_id)[:40]!r}. Valid: {self.catalogue.database_id}.")
        return sorted(self.catalogue.indicators)[:MAX_LIST_LIMIT]

    def get_data_api_url(
        self,
        database_id: str,
        indicator_id: str,
        country_code: str | None = None,
        start_year: int | None = None,
        end_year: int | None = None,
        disaggregation_filters: dict[str, str | None] | None = None,
    ) -> str:
        """[LOW-LEVEL] A URL returning all rows for these arguments as JSON (same rows as data360_get_data).

        Args:
            database_id: Database identifier: "WB_WDI".
            indicator_id: Indicator ID such as "WB_WDI_SP_POP_TOTL".
            country_code: Optional ISO3 code(s), e.g. "KEN" or "CHN,USA".
            start_year: Optional first year (inclusive).
            end_year: Optional last year (inclusive).
            disaggregation_filters: Optional dimension filters such as {"REF_AREA": "KEN"}, as in data360_get_data.

        Returns the URL; its JSON has the rows in `value` and their number in `count`.
        """
        filters = {**(disaggregation_filters or {}), **({"REF_AREA": country_code} if country_code else {})}
        indicator = self.arguments.indicator(database_id, indicator_id)
        problem = indicator if isinstance(indicator, str) else self.arguments.filters(filters)[1]
        if problem:
            raise ToolError(problem)
        params: dict[str, Any] = {"DATABASE_ID": database_id, "INDICATOR": indicator_id}
        for key, value in filters.items():
            if value is not None and str(key).upper() == "REF_AREA":
                params["REF_AREA"] = value
        if start_year:
            params["timePeriodFrom"] = start_year
        if end_year:
            params["timePeriodTo"] = end_year
        return f"{self.public_url}/data?{urlencode(params)}"

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
    ) -> dict[str, str | None]:
        """A Vega-Lite chart of an indicator's data, stored on this server: `url` is where to fetch its spec.

        Args:
            database_id: Database identifier: "WB_WDI".
            indicator_id: Indicator ID such as "WB_WDI_SP_POP_TOTL".
            country_code: ISO3 code(s), e.g. "KEN" or "CHN,USA" (a chart takes at most 2,000 points).
            start_year: Optional first year (default: the last 20 years with data).
            end_year: Optional last year.
            disaggregation_filters: Optional dimension filters such as {"REF_AREA": "KEN"}, as in data360_get_data.
            chart_type: Optional chart type: line, bar, point, area or tick, or words such as "bar chart" (default:
                line over years, bar for one year).
            relevant_fields: Optional columns to chart; the chart uses country, year and value.
            custom_constraints: Optional chart constraints; accepted, the chart type decides.
            use_default_constraints: Whether to use the standard chart choices (default true).

        Returns `url` (the stored spec) and `error` (why there is no chart, `url` then null); arguments that name
        no indicator, years or countries fail the call, saying what is valid.
        """
        country = country_code or (disaggregation_filters or {}).get("REF_AREA")
        rows, problem = self.rows.for_url(database_id, indicator_id, country, start_year, end_year)
        if problem:
            raise ToolError(problem)
        made = viz_spec(rows, chart_type)
        if isinstance(made, str):
            return {"url": None, "error": made}
        return {"url": f"{self.public_url}/charts/{self.specs.keep(made)}", "error": None}

    @staticmethod
    def get_supported_chart_types() -> str:
        """The chart types data360_get_viz_spec makes, when to use each and what data each needs.

        Returns JSON text: `chart_types` (each with `id`, `description`, `data_requirements`) and `guidance`.
        """
        return json.dumps(supported_chart_types(), indent=2)
