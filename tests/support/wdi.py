"""Values read straight from the World Bank data files, to check answers and charts against."""

from __future__ import annotations

import csv
import gzip
import json
from functools import lru_cache
from pathlib import Path

from data360_chat.mcp_client.results import Observation
from data360_chat.settings import BUNDLED_DATA

SHARED_DATA = Path("/work/shared/data/wdi-core")


def data_dir() -> Path:
    """The bundled WDI core data (or the shared copy it is made from)."""
    return BUNDLED_DATA if (BUNDLED_DATA / "observations.csv.gz").is_file() else SHARED_DATA


def data360_id(code: str) -> str:
    """`SP.POP.TOTL` → `WB_WDI_SP_POP_TOTL`."""
    return "WB_WDI_" + code.replace(".", "_")


@lru_cache(maxsize=1)
def indicators() -> dict[str, dict]:
    """WDI code → the indicator's entry (name, definition, ...)."""
    return {item["code"]: item for item in json.loads((data_dir() / "indicators.json").read_text())}


def indicator_names() -> dict[str, str]:
    """WDI code → indicator name."""
    return {code: item["name"] for code, item in indicators().items()}


@lru_cache(maxsize=64)
def rows(code: str, countries: tuple[str, ...] = (), years: tuple[int, int] | None = None) -> tuple[Observation, ...]:
    """The file's observations of one indicator (as the MCP client parses them), for some countries (all when
    empty) and a year range."""
    name, definition = indicators()[code]["name"], indicators()[code].get("definition", "")
    found = []
    with gzip.open(data_dir() / "observations.csv.gz", "rt", encoding="utf-8") as handle:
        for record in csv.DictReader(handle):
            if record["indicator"] != code or (countries and record["country_code"] not in countries):
                continue
            year = int(record["year"])
            if years and not years[0] <= year <= years[1]:
                continue
            found.append(
                Observation(
                    data360_id(code),
                    name,
                    "WB_WDI",
                    record["country_code"],
                    record["country_name"],
                    year,
                    float(record["value"]),
                    None,
                    definition,
                )
            )
    return tuple(found)
