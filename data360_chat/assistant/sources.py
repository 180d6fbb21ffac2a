"""Where an answer's data comes from: one entry per indicator, with its countries, years and Data360 link.

Series of the person's own uploaded files have the database `upload:<file name>` and are cited as "your upload".
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from data360_chat.mcp_client.results import Observation

INDICATOR_URL = "https://data360.worldbank.org/en/indicator/{idno}"
DATABASE_NAMES = {"WB_WDI": "World Development Indicators"}
UPLOAD_PREFIX = "upload:"


def uploaded_file(database_id: str) -> str | None:
    """The file name of an uploaded series' database (None for Data360 databases)."""
    return database_id[len(UPLOAD_PREFIX) :] if database_id.startswith(UPLOAD_PREFIX) else None


def indicator_url(idno: str) -> str:
    """The indicator's page on Data360."""
    return INDICATOR_URL.format(idno=idno)


def database_name(database_id: str) -> str:
    """A readable name for a Data360 database id (the id itself when unknown), or "your upload (file)"."""
    filename = uploaded_file(database_id)
    if filename is not None:
        return f"your upload ({filename})"
    return DATABASE_NAMES.get(database_id, database_id)


def attribution(database_id: str) -> str:
    """The credit line for data from this database."""
    if uploaded_file(database_id) is not None:
        return database_name(database_id)
    if database_id.startswith("WB_"):
        return f"World Bank, {database_name(database_id)}, via Data360"
    return f"{database_name(database_id)}, via Data360"


def year_key(year: int | str) -> tuple[int, str]:
    """Sort key for years given as numbers or as strings (`2020`, `2020-Q1`, `2020-01`)."""
    text = str(year)
    digits = text[:4]
    return (int(digits) if digits.isdigit() else 0, text)


def describe_indicator(
    indicator_id: str, name: str, database_id: str, observations: Sequence[Observation] = ()
) -> dict[str, Any]:
    """A source entry: indicator name and id, database, countries and years covered, link."""
    countries: dict[str, str] = {}
    for observation in observations:
        countries.setdefault(observation.country_code, observation.country_name or observation.country_code)
    years = sorted({observation.year for observation in observations}, key=year_key)
    return {
        "indicator_id": indicator_id,
        "name": name or indicator_id,
        "database_id": database_id,
        "database": database_name(database_id),
        "countries": list(countries.values()),
        "country_codes": list(countries),
        "start_year": years[0] if years else None,
        "end_year": years[-1] if years else None,
        "points": len(observations),
        "url": "" if uploaded_file(database_id) is not None else indicator_url(indicator_id),
        "attribution": attribution(database_id),
        "definition": next((o.definition for o in observations if o.definition), ""),
    }


def group_by_indicator(observations: Iterable[Observation]) -> dict[tuple[str, str], list[Observation]]:
    """Observations per (database, indicator), each (country, year) once (the last one seen wins)."""
    groups: dict[tuple[str, str], dict[tuple[str, str], Observation]] = {}
    for observation in observations:
        key = (observation.database_id, observation.indicator_id)
        groups.setdefault(key, {})[(observation.country_code, str(observation.year))] = observation
    return {key: list(points.values()) for key, points in groups.items()}


def sources_for(
    observations: Iterable[Observation], mentioned: Iterable[tuple[str, str, str]] = ()
) -> list[dict[str, Any]]:
    """Sources of the fetched data, plus indicators used without observations (`(id, name, database)`)."""
    sources = [
        describe_indicator(indicator_id, points[0].indicator_name, database_id, points)
        for (database_id, indicator_id), points in group_by_indicator(observations).items()
    ]
    seen = {source["indicator_id"] for source in sources}
    for indicator_id, name, database_id in mentioned:
        if indicator_id and indicator_id not in seen:
            seen.add(indicator_id)
            sources.append(describe_indicator(indicator_id, name, database_id))
    return sources
