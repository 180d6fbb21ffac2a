"""Country and region names, resolved to ISO3 / World Bank codes (shared by the offline server and model).

Names come from the data bundle's `countries.csv` (English and official names) plus everyday aliases and the
World Bank aggregates people ask about ("world", "Sub-Saharan Africa", "high income"). The longest name wins, so
"Guinea-Bissau" is not "Guinea" and "South Sudan" is not "Sudan".
"""

from __future__ import annotations

import csv
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

MAX_NAME_WORDS = 7
MIN_NAME_CHARS = 2
WORD = re.compile(r"[a-z0-9]+")

ALIASES = {
    "america": "USA",
    "united states": "USA",
    "united states of america": "USA",
    "britain": "GBR",
    "great britain": "GBR",
    "united kingdom": "GBR",
    "south korea": "KOR",
    "korea": "KOR",
    "north korea": "PRK",
    "ivory coast": "CIV",
    "cote d ivoire": "CIV",
    "dr congo": "COD",
    "democratic republic of congo": "COD",
    "democratic republic of the congo": "COD",
    "congo kinshasa": "COD",
    "republic of congo": "COG",
    "congo brazzaville": "COG",
    "congo": "COG",
    "russia": "RUS",
    "turkey": "TUR",
    "turkiye": "TUR",
    "czech republic": "CZE",
    "vietnam": "VNM",
    "laos": "LAO",
    "iran": "IRN",
    "syria": "SYR",
    "egypt": "EGY",
    "gambia": "GMB",
    "the gambia": "GMB",
    "bahamas": "BHS",
    "kyrgyz republic": "KGZ",
    "slovak republic": "SVK",
    "hong kong": "HKG",
    "macau": "MAC",
    "swaziland": "SWZ",
    "cape verde": "CPV",
    "burma": "MMR",
    "east timor": "TLS",
    "west bank and gaza": "PSE",
    "palestine": "PSE",
    "macedonia": "MKD",
    "kosovo": "XKX",
    "channel islands": "CHI",
    "emirates": "ARE",
    "holland": "NLD",
    "world": "WLD",
    "the world": "WLD",
    "sub saharan africa": "SSF",
    "european union": "EUU",
    "euro area": "EMU",
    "eurozone": "EMU",
    "east asia and pacific": "EAS",
    "europe and central asia": "ECS",
    "latin america and caribbean": "LCN",
    "latin america and the caribbean": "LCN",
    "latin america": "LCN",
    "middle east and north africa": "MEA",
    "middle east": "MEA",
    "north america": "NAC",
    "south asia": "SAS",
    "arab world": "ARB",
    "high income countries": "HIC",
    "high income": "HIC",
    "low income countries": "LIC",
    "low income": "LIC",
    "lower middle income": "LMC",
    "upper middle income": "UMC",
    "middle income": "MIC",
    "low and middle income": "LMY",
    "oecd": "OED",
    "oecd members": "OED",
    "least developed countries": "LDC",
    "fragile and conflict affected situations": "FCS",
}
# Looser names accepted where a country or region is expected (a tool's country argument), not found in free text.
REGION_ALIASES = {
    "global": "WLD",
    "whole world": "WLD",
    "east asia": "EAS",
    "europe": "ECS",
    "latin america": "LCN",
    "north africa": "MEA",
    "arab countries": "ARB",
    "england": "GBR",
    "scotland": "GBR",
    "wales": "GBR",
    "developing countries": "LMY",
    "rich countries": "HIC",
    "poor countries": "LIC",
}
CASE_SENSITIVE = {"US": "USA", "U.S.": "USA", "USA": "USA", "UK": "GBR", "EU": "EUU", "UAE": "ARE", "DRC": "COD"}
AGGREGATE_NAMES = {
    "WLD": "World",
    "SSF": "Sub-Saharan Africa",
    "EUU": "European Union",
    "EMU": "Euro area",
    "EAS": "East Asia & Pacific",
    "ECS": "Europe & Central Asia",
    "LCN": "Latin America & Caribbean",
    "MEA": "Middle East, North Africa, Afghanistan & Pakistan",
    "NAC": "North America",
    "SAS": "South Asia",
    "ARB": "Arab World",
    "HIC": "High income",
    "LIC": "Low income",
    "LMC": "Lower middle income",
    "UMC": "Upper middle income",
    "MIC": "Middle income",
    "LMY": "Low & middle income",
    "OED": "OECD members",
    "LDC": "Least developed countries: UN classification",
    "FCS": "Fragile and conflict affected situations",
    "XKX": "Kosovo",
    "CHI": "Channel Islands",
}


# fmt: off
WORLD_BANK_AGGREGATES = frozenset({
    "AFE", "AFW", "ARB", "CEB", "CSS", "EAP", "EAR", "EAS", "ECA", "ECS", "EMU", "EUU", "FCS", "HIC", "HPC", "IBD",
    "IBT", "IDA", "IDB", "IDX", "INX", "LAC", "LCN", "LDC", "LIC", "LMC", "LMY", "LTE", "MEA", "MIC", "MNA", "NAC",
    "OED", "OSS", "PRE", "PSS", "PST", "SAS", "SSA", "SSF", "SST", "TEA", "TEC", "TLA", "TMN", "TSA", "TSS", "UMC",
    "WLD",
})
# fmt: on


def is_aggregate(code: str) -> bool:
    """True for World Bank aggregate areas (regions, income and lending groups) such as `WLD`, `SSF` or `HIC`:
    not countries, so left out of rankings."""
    return code.upper() in WORLD_BANK_AGGREGATES


def normalize(text: str) -> str:
    """Lowercase ASCII words separated by single spaces ("Côte d’Ivoire" → "cote d ivoire")."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    ascii_text = ascii_text.lower().replace("&", " and ")
    ascii_text = re.sub(r"'s\b", "", ascii_text.replace("’", "'"))
    return " ".join(WORD.findall(ascii_text))


@dataclass(frozen=True)
class Place:
    """A country or aggregate named in a question: its code, a display name and where the words were."""

    code: str
    name: str
    start: int
    end: int


class Gazetteer:
    """Finds places in text by their names."""

    def __init__(self, names: dict[str, str], display: dict[str, str]) -> None:
        self._names = names
        self._display = display

    @classmethod
    def from_bundle(cls, countries_csv: Path | None) -> Gazetteer:
        """Names from `countries.csv` (iso3,name,official_name ...) plus the built-in aliases."""
        names: dict[str, str] = {}
        display = dict(AGGREGATE_NAMES)
        if countries_csv is not None and countries_csv.is_file():
            with countries_csv.open(encoding="utf-8", newline="") as handle:
                for row in csv.DictReader(handle):
                    code = (row.get("iso3") or "").strip().upper()
                    if len(code) != 3:
                        continue
                    display.setdefault(code, (row.get("name") or code).strip())
                    for column in ("name", "official_name"):
                        name = normalize(row.get(column) or "")
                        if len(name) > MIN_NAME_CHARS:  # "US" is left to the capitalised abbreviations
                            names.setdefault(name, code)
        names.update(ALIASES)
        display.update({"USA": "United States", "GBR": "United Kingdom", "KOR": "South Korea"})
        return cls(names, display)

    def name_of(self, code: str) -> str:
        """A readable name for a code."""
        return self._display.get(code, code)

    def codes(self) -> set[str]:
        """Every code the gazetteer knows."""
        return set(self._names.values()) | set(self._display)

    def find(self, text: str) -> list[Place]:
        """Places named in the text, in order, each once; positions are word indexes of `normalize(text)`."""
        words = normalize(text).split()
        places: list[Place] = []
        position = 0
        while position < len(words):
            for size in range(min(MAX_NAME_WORDS, len(words) - position), 0, -1):
                code = self._names.get(" ".join(words[position : position + size]))
                if code:
                    places.append(Place(code, self.name_of(code), position, position + size))
                    position += size
                    break
            else:
                position += 1
        places.extend(self._find_codes(text))
        unique: dict[str, Place] = {}
        for place in places:
            unique.setdefault(place.code, place)
        return sorted(unique.values(), key=lambda place: place.start)

    def _find_codes(self, text: str) -> list[Place]:
        """Abbreviations written in capitals ("US", "UK", "KEN") where they stand alone."""
        found = []
        known = self.codes()
        for match in re.finditer(r"(?<![\w.])[A-Z][A-Z.]{1,4}(?![\w])", text):
            token = match.group(0)
            code = CASE_SENSITIVE.get(token) or (token if len(token) == 3 and token in known else None)
            if code:
                start = len(normalize(text[: match.start()]).split())
                found.append(Place(code, self.name_of(code), start, start + len(normalize(token).split())))
        return found


@lru_cache(maxsize=4)
def gazetteer_for(countries_csv: Path | None) -> Gazetteer:
    """The gazetteer for a bundle (read once)."""
    return Gazetteer.from_bundle(countries_csv)
