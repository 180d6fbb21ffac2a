"""Are the numbers in an answer found in the data? Tolerates formatting, rounding, millions/billions and percent.

A number is grounded when some value from the tool results (or the question) matches it at the precision it is
shown with: "53.0 million" matches 53,005,614; "1,234" matches 1234.4; "-2.1%" matches -2.07 (and 2.07, for
"fell by 2.1%"). A number not in the data may be computed from it (`derived_numbers`): a percentage may be a change,
an average yearly growth or a gap between countries; "3.2 times", "doubled" or "halved" a ratio; any other number
a difference. Computed numbers are allowed `DERIVED_TOLERANCE` more (the model may compute from rounded values).
Each number's check says where it was found. Years, list markers, small counts and digits inside names ("CO2",
"PM2.5") are not checked.
"""

from __future__ import annotations

import bisect
import json
import math
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from data360_chat.assistant.derived_numbers import Derivations, Fact, Family, observed
from data360_chat.mcp_client.results import Observation

SCALES = {
    "thousand": 1e3,
    "k": 1e3,
    "million": 1e6,
    "millions": 1e6,
    "mn": 1e6,
    "m": 1e6,
    "billion": 1e9,
    "billions": 1e9,
    "bn": 1e9,
    "b": 1e9,
    "trillion": 1e12,
    "trillions": 1e12,
    "tn": 1e12,
}
NUMBER = re.compile(
    r"(?<![\w.])(?P<sign>[-−–]?)\s?(?:US)?\$?\s?"
    r"(?P<number>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
    r"(?:\s?(?P<percent>%|percent\b)|\s?(?P<scale>thousand|millions?|billions?|trillions?|mn|bn|tn|[kmb])\b)?"
    r"(?![\w.]*[A-Za-z_]|-[A-Za-z])",
    re.IGNORECASE,
)
TIMES = re.compile(r"\s?(?:times\b|×)", re.IGNORECASE)
MULTIPLES = re.compile(
    r"\b(?P<more>more than |over )?(?P<word>doubled|tripled|trebled|quadrupled|halved)\b", re.IGNORECASE
)
WORD_RATIOS = {"doubled": 2.0, "tripled": 3.0, "trebled": 3.0, "quadrupled": 4.0, "halved": 0.5}
WORD_RATIO_TOLERANCE = 0.1  # "doubled" stands for 1.8 to 2.2 times
DERIVED_TOLERANCE = 0.01  # of the computed value
LIST_MARKER = re.compile(r"^\s*\d+[.)]\s", re.MULTILINE)
SENTENCE_END = re.compile(r"(?<=[.!?;])\s|\n")
YEAR = re.compile(r"(?<![\d.,])(1[89]\d\d|20\d\d)(?![\d.,]\d)")
TEXT_NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")
SMALL_COUNT = 10
ROUND_FIGURE_ZEROS = 3


@dataclass(frozen=True)
class NumberInText:
    """A number as written in the answer and the value and tolerance it stands for."""

    text: str
    value: float
    tolerance: float
    family: Family = "value"
    years: frozenset[int] = frozenset()  # the years its sentence names (or the whole text, when it names none)


CheckKind = Literal["data", "derived", "unverified"]


@dataclass(frozen=True)
class NumberCheck:
    """One number of the answer: found in the data (`where` it is), computed from it (how), or not found."""

    text: str
    kind: CheckKind
    where: str = ""

    def as_json(self) -> dict[str, str]:
        """As stored with the answer and sent by the API."""
        return {"text": self.text, "kind": self.kind, "where": self.where}


@dataclass(frozen=True)
class Grounding:
    """The share of checked numbers found in the data (None when there were none), those that were not, and the
    check of every number in the order they appear."""

    share: float | None
    checked: int
    ungrounded: list[str]
    checks: list[NumberCheck] = field(default_factory=list)


def _is_year(digits: str, match: re.Match[str]) -> bool:
    return (
        digits.isdigit()
        and len(digits) == 4
        and 1800 <= int(digits) <= 2100
        and not (match.group("percent") or match.group("scale"))
    )


def _rounding_step(digits: str) -> float:
    """Round figures ("53,000,000") stand for anything that rounds to them; other integers are exact."""
    trailing = len(digits) - len(digits.rstrip("0"))
    if trailing < ROUND_FIGURE_ZEROS or not digits.strip("0"):
        return 1.0
    return 10.0 ** min(trailing, len(digits) - 1)


def numbers_in(text: str, *, ignore: Iterable[str] = ()) -> list[NumberInText]:
    """The value-like numbers in a text; phrases in `ignore` (indicator names, ids) are skipped."""
    for phrase in sorted({p for p in ignore if p}, key=len, reverse=True):
        text = text.replace(phrase, " ")
    text = LIST_MARKER.sub(" ", text)
    context = _YearContext(text)
    found = []
    for match in NUMBER.finditer(text):
        digits = match.group("number")
        plain = digits.replace(",", "")
        if _is_year(digits, match):
            continue
        decimals = len(plain.partition(".")[2])
        scale = SCALES[match.group("scale").lower()] if match.group("scale") else 1.0
        plain_value = scale == 1.0 and not match.group("percent")
        times = TIMES.match(text, match.end()) if plain_value else None  # "3 times", "2.5×": a ratio
        bare = decimals == 0 and plain_value and "," not in digits
        if bare and not times and int(plain) <= SMALL_COUNT:
            continue
        step = 10.0**-decimals if decimals else _rounding_step(plain) if scale == 1.0 else 1.0
        value = float(plain) * (-1 if match.group("sign") else 1)
        family: Family = "ratio" if times else "percent" if match.group("percent") else "value"
        written = match.group(0).strip() + (times.group(0) if times else "")
        years = context.at(match.start())
        found.append(NumberInText(written, value * scale, step * scale / 2 * 1.0001, family, years))
    for match in MULTIPLES.finditer(text):
        ratio = WORD_RATIOS[match.group("word").lower()]
        years = context.at(match.start())
        if match.group("more"):  # "more than doubled": anything from 2 up to the next whole multiple
            found.append(NumberInText(match.group(0), ratio * 1.25, ratio * 0.25, "ratio", years))
        else:
            found.append(NumberInText(match.group(0), ratio, ratio * WORD_RATIO_TOLERANCE, "ratio", years))
    return found


class _YearContext:
    """The years named in the sentence around a position of a text (all the text's years when it names none)."""

    def __init__(self, text: str) -> None:
        self._text = text
        self._ends = [match.start() for match in SENTENCE_END.finditer(text)]
        self._all = frozenset(int(year) for year in YEAR.findall(text))

    def at(self, position: int) -> frozenset[int]:
        index = bisect.bisect_left(self._ends, position)
        start = self._ends[index - 1] if index else 0
        end = self._ends[index] if index < len(self._ends) else len(self._text)
        return frozenset(int(year) for year in YEAR.findall(self._text, start, end)) or self._all


def values_in(payload: Any) -> list[float]:
    """Every number in a tool result: JSON numbers, numeric strings and numbers inside text."""
    values: list[float] = []
    stack = [payload]
    while stack:
        item = stack.pop()
        if isinstance(item, bool) or item is None:
            continue
        if isinstance(item, int | float):
            if math.isfinite(item):
                values.append(float(item))
        elif isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list | tuple):
            stack.extend(item)
        elif isinstance(item, str):
            stripped = item.strip()
            if stripped[:1] in "{[":
                try:
                    stack.append(json.loads(stripped))
                    continue
                except ValueError:
                    pass
            values.extend(float(number) for number in TEXT_NUMBER.findall(item.replace(",", "")))
        else:
            stack.append(str(item))
    return values


class ValueIndex:
    """Known facts sorted by value, for fast tolerance lookups."""

    def __init__(self, facts: Iterable[Fact]) -> None:
        unique = {(fact.value, fact.where): fact for fact in facts}
        signed = [
            *unique.values(),
            *(Fact(-f.value, f.where, f.family, f.years) for f in unique.values() if f.value < 0),
        ]
        self._facts = sorted(signed, key=lambda fact: fact.value)
        self._values = [fact.value for fact in self._facts]

    def find(
        self,
        value: float,
        tolerance: float,
        families: Iterable[Family] = ("value",),
        years: frozenset[int] = frozenset(),
    ) -> Fact | None:
        """The known fact of one of `families` within `tolerance` of `value` (or of its magnitude): the one about
        the most of `years` (those named around the number), then the closest."""
        allowed = set(families)
        best: tuple[tuple[int, float], Fact] | None = None
        for target in {value, abs(value)}:
            position = bisect.bisect_left(self._values, target - tolerance)
            while position < len(self._values) and self._values[position] <= target + tolerance:
                fact = self._facts[position]
                rank = (sum(year not in years for year in fact.years), abs(fact.value - target))
                if fact.family in allowed and (best is None or rank < best[0]):
                    best = (rank, fact)
                position += 1
        return best[1] if best is not None else None

    def contains(self, value: float, tolerance: float) -> bool:
        """Whether a known value lies within `tolerance` of `value` (or of its magnitude)."""
        return self.find(value, tolerance, ("value", "percent", "ratio")) is not None


DERIVED_FAMILIES: dict[Family, tuple[Family, ...]] = {
    "value": ("value", "ratio"),  # a difference, or a ratio written without "times"
    "percent": ("percent", "value"),  # a change or growth rate, or a difference of percentages (points)
    "ratio": ("ratio",),
}


def _as_facts(known: Iterable[float | Fact], where: str) -> Iterator[Fact]:
    for item in known:
        yield item if isinstance(item, Fact) else Fact(item, where)


def check_numbers(
    answer: str,
    known_values: Iterable[float | Fact],
    *,
    ignore: Iterable[str] = (),
    observations: Sequence[Observation] = (),
) -> Grounding:
    """How many numbers in the answer the known values and `observations` account for, directly or computed from
    the observations; plain floats among `known_values` are values "in the tool results"."""
    numbers = numbers_in(answer, ignore=ignore)
    if not numbers:
        return Grounding(None, 0, [])
    indexes = [ValueIndex(observed(observations)), ValueIndex(_as_facts(known_values, "in the tool results"))]
    computed: Derivations | None = None
    checks = []
    for number in numbers:
        found = (
            index.find(number.value, number.tolerance, years=number.years)
            for index in indexes
            if number.family != "ratio"
        )
        fact = next((fact for fact in found if fact is not None), None)
        if fact is not None:
            checks.append(NumberCheck(number.text, "data", fact.where))
            continue
        computed = computed or Derivations(observations)
        tolerance = max(number.tolerance, abs(number.value) * DERIVED_TOLERANCE)
        fact = computed.find(number.value, tolerance, DERIVED_FAMILIES[number.family], number.years)
        check = NumberCheck(number.text, "derived", fact.where) if fact else NumberCheck(number.text, "unverified")
        checks.append(check)
    ungrounded = [check.text for check in checks if check.kind == "unverified"]
    return Grounding(round(1 - len(ungrounded) / len(numbers), 4), len(numbers), ungrounded, checks)
