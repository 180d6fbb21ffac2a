"""Reading a question: which indicator words, which countries, which years, a ranking, a chart."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from data360_chat.geography import Gazetteer, Place, normalize

YEAR = r"(1[89]\d\d|20\d\d|2100)"
NUMBER_WORDS = {"two": 2, "three": 3, "five": 5, "ten": 10, "fifteen": 15, "twenty": 20, "thirty": 30, "fifty": 50}
RANGE = re.compile(
    rf"\b(?:from|between)\s+{YEAR}\s+(?:to|and|until|till|through)\s+{YEAR}\b|\b{YEAR}\s*[-–]\s*{YEAR}\b"
)
SINCE = re.compile(rf"\b(?:since|after|from|starting in|starting)\s+{YEAR}\b")
UNTIL = re.compile(rf"\b(?:until|till|up to|through|before)\s+{YEAR}\b")
LAST = re.compile(r"\b(?:last|past|previous|recent)\s+(\d+|" + "|".join(NUMBER_WORDS) + r")\s+(years?|decades?)\b")
LAST_DECADE = re.compile(r"\b(?:last|past|previous)\s+decade\b")
ANY_YEAR = re.compile(rf"\b{YEAR}\b")
HIGH = {"highest", "largest", "biggest", "most", "top", "greatest", "leading", "max", "maximum"}
LOW = {"lowest", "smallest", "least", "bottom", "fewest", "min", "minimum"}
TOP_N = re.compile(r"\b(?:top|bottom)\s+(\d{1,2})\b|\b(\d{1,2})\s+(?:highest|lowest|largest|smallest|biggest)\b")
CHART = re.compile(r"\b(chart|plot|graph|visuali[sz]e|visuali[sz]ation|diagram)\b", re.IGNORECASE)
CHART_KINDS = {"bar": "bar chart", "column": "bar chart", "line": "line chart", "scatter": "scatter", "area": "area"}
VERSUS = re.compile(r"\bvs\.?\s|\bversus\b|\bagainst\b", re.IGNORECASE)
FILLER_WORDS = """
    a an the of in for and or to from by on at with about over as into than between since until till through
    what which who whose how is was were are be been being do does did has have had will would can could should
    show me tell give list get find display plot chart graph diagram visualise visualize visualisation visualization
    compare comparison compared trend trends evolution evolve change over time data figures figure numbers values
    please country countries nation nations economy economies year years decade decades last past previous recent
    highest largest biggest most top greatest leading max maximum lowest smallest least bottom fewest min minimum
    rank ranking ranked world s i you we us our it this that these those there their its vs versus against bar line
    scatter area column latest current today now
"""
STOP_WORDS = frozenset(FILLER_WORDS.split())
DEFAULT_TOP = 10


@dataclass(frozen=True)
class Question:
    """What a question asks for, as far as the rules can tell."""

    text: str
    places: list[Place] = field(default_factory=list)
    indicator_queries: list[str] = field(default_factory=list)
    start_year: int | None = None
    end_year: int | None = None
    single_year: int | None = None
    last_years: int | None = None
    ranking: Literal["highest", "lowest"] | None = None
    top: int = DEFAULT_TOP
    chart: str | None = None

    @property
    def country_codes(self) -> list[str]:
        """The codes of the places asked about."""
        return [place.code for place in self.places]


def _years(text: str) -> dict[str, int | None]:
    lowered = text.lower()
    found: dict[str, int | None] = {"start_year": None, "end_year": None, "single_year": None, "last_years": None}
    if match := RANGE.search(lowered):
        first, second = (int(y) for y in match.groups() if y)
        found.update(start_year=min(first, second), end_year=max(first, second))
        return found
    if match := LAST.search(lowered):
        amount = match.group(1)
        count = int(amount) if amount.isdigit() else NUMBER_WORDS[amount]
        found["last_years"] = count * (10 if match.group(2).startswith("decade") else 1)
        return found
    if LAST_DECADE.search(lowered):
        found["last_years"] = 10
        return found
    if match := SINCE.search(lowered):
        found["start_year"] = int(match.group(1))
    if match := UNTIL.search(lowered):
        found["end_year"] = int(match.group(1))
    if found["start_year"] is None and found["end_year"] is None:
        years = [int(year) for year in ANY_YEAR.findall(lowered)]
        if len(years) == 1:
            found["single_year"] = years[0]
        elif len(years) > 1:
            found.update(start_year=min(years), end_year=max(years))
    return found


def _ranking(words: set[str]) -> Literal["highest", "lowest"] | None:
    if words & LOW:
        return "lowest"
    if words & HIGH:
        return "highest"
    return None


def _chart(text: str) -> str | None:
    if not CHART.search(text):
        return None
    lowered = text.lower()
    return next((kind for word, kind in CHART_KINDS.items() if re.search(rf"\b{word}\b", lowered)), "chart")


def indicator_words(text: str, places: list[Place]) -> str:
    """The words that name the indicator: the question without places, years, numbers and filler words."""
    words = normalize(text).split()
    covered = {index for place in places for index in range(place.start, place.end)}
    kept = [
        word
        for index, word in enumerate(words)
        if index not in covered and word not in STOP_WORDS and not word.isdigit() and word not in NUMBER_WORDS
    ]
    return " ".join(kept)


def parse_question(text: str, gazetteer: Gazetteer) -> Question:
    """Read a question with the rules; unknown parts are left empty."""
    places = gazetteer.find(text)
    words = set(normalize(text).split())
    ranking = _ranking(words)
    if ranking and all(place.code == "WLD" for place in places):
        places = []  # "which countries in the world ..." ranks countries
    elif places:
        ranking = None
    parts = [part for part in VERSUS.split(text) if part.strip()]
    queries = [indicator_words(part, gazetteer.find(part)) for part in parts] if len(parts) == 2 else []
    if not (len(queries) == 2 and all(queries)):
        queries = [query for query in [indicator_words(text, places)] if query]
    top = DEFAULT_TOP
    if match := TOP_N.search(text.lower()):
        top = max(1, min(int(match.group(1) or match.group(2)), 50))
    return Question(
        text=text,
        places=places,
        indicator_queries=queries,
        ranking=ranking,
        top=top,
        chart=_chart(text),
        **_years(text),
    )
