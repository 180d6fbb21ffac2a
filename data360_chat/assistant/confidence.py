"""How far a finished answer rests on the data its tools returned: a number from 0 to 1 and the factors behind it.

    confidence = grounded × tools × years      (0 when the answer did not complete or no data came back)

- `grounded`: the share of the answer's numbers found in the data (`grounding.py`); 1 when it states none.
- `tools`: the share of its tool calls that succeeded; 1 when it made none.
- `years`: the share of the years the question names that the cited data spans; 1 when it names none. A span
  ("2000 to 2020", "2000-2020", "between 2000 and 2020") names every year in it, "since 2000" every year from 2000
  to the latest year of the data; other years count one by one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

YEAR = r"(1[89]\d\d|20\d\d)"
SPAN = re.compile(
    rf"\b(?:between\s+{YEAR}\s+and\s+{YEAR}|{YEAR}\s*(?:-|–|—|to|through|until|till)\s*{YEAR})\b", re.IGNORECASE
)
SINCE = re.compile(rf"\b(?:since|from|after)\s+{YEAR}\b", re.IGNORECASE)
SINGLE = re.compile(rf"\b{YEAR}\b")


@dataclass(frozen=True)
class Confidence:
    """The score and its factors (None: the factor did not apply)."""

    value: float
    grounded: float | None
    tools: float | None
    years: float | None
    has_data: bool


def _year(value: Any) -> int | None:
    """A year from a source's `start_year`/`end_year` (`2020`, `"2020"`, `"2020-Q1"`)."""
    digits = str(value)[:4] if value is not None else ""
    return int(digits) if digits.isdigit() else None


def covered_years(sources: Iterable[Mapping[str, Any]]) -> set[int]:
    """Every year between the first and last year of each cited indicator."""
    years: set[int] = set()
    for source in sources:
        start, end = _year(source.get("start_year")), _year(source.get("end_year"))
        if start is not None:
            years.update(range(start, (end if end is not None and end >= start else start) + 1))
    return years


def years_asked(question: str, latest: int | None = None) -> set[int]:
    """The years a question names; `latest` ends an open span ("since 2000")."""
    asked: set[int] = set()
    rest = question
    for match in SPAN.finditer(question):
        first, last = sorted(int(year) for year in match.groups() if year)
        asked.update(range(first, last + 1))
        rest = rest.replace(match.group(0), " ")
    for match in SINCE.finditer(rest):
        start = int(match.group(1))
        asked.update(range(start, max(start, latest or start) + 1))
        rest = rest.replace(match.group(0), " ")
    asked.update(int(year) for year in SINGLE.findall(rest))
    return asked


def answer_confidence(
    *,
    status: str,
    question: str,
    grounded_share: float | None,
    tool_statuses: Iterable[str],
    sources: Iterable[Mapping[str, Any]],
) -> Confidence:
    """The confidence of a stored answer, from its status, question, grounded share, tool calls and sources."""
    sources = list(sources)
    statuses = list(tool_statuses)
    tools = sum(status == "ok" for status in statuses) / len(statuses) if statuses else None
    covered = covered_years(sources)
    asked = years_asked(question, max(covered) if covered else None)
    years = len(asked & covered) / len(asked) if asked else None
    has_data = bool(sources)
    value = 0.0
    if status == "complete" and has_data:
        value = 1.0
        for factor in (grounded_share, tools, years):
            value *= factor if factor is not None else 1.0
    return Confidence(round(value, 2), grounded_share, tools, years, has_data)
