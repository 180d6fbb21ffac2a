"""The offline data bundle in memory: indicators, countries and every observation, exactly as in its files.

A bundle is a folder with `indicators.json` (one object per WDI indicator), `countries.csv` (ISO codes and names)
and `observations.csv.gz` (`indicator,country_code,country_name,year,value`). Observations are kept per
(indicator, country) in compact arrays, so the full 325-indicator bundle (2.1 M rows) fits in a few hundred MB.
"""

from __future__ import annotations

import csv
import gzip
import itertools
import json
import re
from array import array
from dataclasses import dataclass, field
from pathlib import Path

DATABASE_ID = "WB_WDI"
UNIT_IN_NAME = re.compile(r"\(([^()]*)\)\s*(?:\(modeled ILO estimate\))?\s*$")


def idno_for(code: str) -> str:
    """The Data360 id of a WDI code (`SP.POP.TOTL` → `WB_WDI_SP_POP_TOTL`)."""
    return f"{DATABASE_ID}_{code.replace('.', '_')}"


def unit_from_name(name: str) -> str | None:
    """The unit written in an indicator's name, from its last parenthesis ("GDP (current US$)" → "current US$")."""
    match = UNIT_IN_NAME.search(name)
    return match.group(1).strip() if match else None


@dataclass
class Indicator:
    """One indicator of the bundle and its observations per country (years ascending)."""

    code: str
    name: str
    definition: str
    topics: list[str]
    license: str
    first_year: int | None
    last_year: int | None
    series: dict[str, tuple[array, array]] = field(default_factory=dict)

    @property
    def idno(self) -> str:
        """The Data360 id."""
        return idno_for(self.code)

    @property
    def unit(self) -> str | None:
        """The unit of its values."""
        return unit_from_name(self.name)

    def years(self) -> list[int]:
        """Every year with at least one observation."""
        return sorted({year for years, _ in self.series.values() for year in years})


@dataclass
class Catalogue:
    """A loaded bundle."""

    folder: Path
    indicators: dict[str, Indicator]  # by idno
    country_names: dict[str, str]  # ISO3 or aggregate code → name (the data's own, else countries.csv's)
    iso2: dict[str, str]  # ISO2 → ISO3
    data_names: dict[str, str]  # code → the name the observations file gives ("Korea, Rep.")

    @property
    def database_id(self) -> str:
        """The one Data360 database the bundle holds."""
        return DATABASE_ID


def _read_indicators(folder: Path) -> dict[str, Indicator]:
    records = json.loads((folder / "indicators.json").read_text(encoding="utf-8"))
    indicators = {}
    for record in records:
        indicator = Indicator(
            code=record["code"],
            name=record["name"].strip(),
            definition=(record.get("definition") or "").strip(),
            topics=list(record.get("topics") or []),
            license=record.get("license") or "CC-BY-4.0",
            first_year=record.get("first_year"),
            last_year=record.get("last_year"),
        )
        indicators[indicator.idno] = indicator
    return indicators


def _read_countries(folder: Path) -> tuple[dict[str, str], dict[str, str]]:
    names: dict[str, str] = {}
    iso2: dict[str, str] = {}
    with (folder / "countries.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            code = (row.get("iso3") or "").strip().upper()
            if len(code) == 3:
                names[code] = (row.get("name") or code).strip()
                two = (row.get("iso2") or "").strip().upper()
                if len(two) == 2:
                    iso2[two] = code
    return names, iso2


def _read_observations(folder: Path, indicators: dict[str, Indicator]) -> dict[str, str]:
    by_code = {indicator.code: indicator for indicator in indicators.values()}
    with gzip.open(folder / "observations.csv.gz", "rt", encoding="utf-8", newline="") as handle:
        rows = csv.reader(handle)
        next(rows)
        current: tuple[str, str] | None = None
        data_names: dict[str, str] = {}
        years = values = array("h")
        for code, country, country_name, year, value in rows:
            if (code, country) != current:
                current = (code, country)
                indicator = by_code.get(code)
                if indicator is None:
                    continue
                pair = indicator.series.get(country)
                if pair is None:
                    pair = indicator.series[country] = (array("h"), array("d"))
                    data_names.setdefault(country, country_name)
                years, values = pair
            elif code not in by_code:
                continue
            years.append(int(year))
            values.append(float(value))
    for indicator in indicators.values():
        for country, (years, values) in list(indicator.series.items()):
            if any(a > b for a, b in itertools.pairwise(years)):
                order = sorted(range(len(years)), key=years.__getitem__)
                indicator.series[country] = (
                    array("h", (years[i] for i in order)),
                    array("d", (values[i] for i in order)),
                )
    return data_names


def load_catalogue(folder: Path) -> Catalogue:
    """Read a bundle folder; `FileNotFoundError` names the missing file."""
    for name in ("indicators.json", "countries.csv", "observations.csv.gz"):
        if not (folder / name).is_file():
            raise FileNotFoundError(f"The data bundle {folder} has no {name}.")
    indicators = _read_indicators(folder)
    names, iso2 = _read_countries(folder)
    data_names = _read_observations(folder, indicators)
    names.update(data_names)  # the World Bank's own names ("Curacao", "Korea, Rep."), as Data360 shows them
    return Catalogue(folder, indicators, names, iso2, data_names)
