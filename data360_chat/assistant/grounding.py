"""Are the numbers in an answer found in the data? Tolerates formatting, rounding, millions/billions and percent.

A number is grounded when some value from the tool results (or the question) matches it at the precision it is
shown with: "53.0 million" matches 53,005,614; "1,234" matches 1234.4; "-2.1%" matches -2.07 (and 2.07, for
"fell by 2.1%"). Years, list markers, small counts and digits inside names ("CO2", "PM2.5") are not checked.
"""

from __future__ import annotations

import bisect
import json
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

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
LIST_MARKER = re.compile(r"^\s*\d+[.)]\s", re.MULTILINE)
TEXT_NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")
SMALL_COUNT = 10
ROUND_FIGURE_ZEROS = 3


@dataclass(frozen=True)
class NumberInText:
    """A number as written in the answer and the value and tolerance it stands for."""

    text: str
    value: float
    tolerance: float


@dataclass(frozen=True)
class Grounding:
    """The share of checked numbers found in the data (None when there were none) and those that were not."""

    share: float | None
    checked: int
    ungrounded: list[str]


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
    found = []
    for match in NUMBER.finditer(text):
        digits = match.group("number")
        plain = digits.replace(",", "")
        if _is_year(digits, match):
            continue
        decimals = len(plain.partition(".")[2])
        scale = SCALES[match.group("scale").lower()] if match.group("scale") else 1.0
        bare = decimals == 0 and scale == 1.0 and not match.group("percent") and "," not in digits
        if bare and int(plain) <= SMALL_COUNT:
            continue
        step = 10.0**-decimals if decimals else _rounding_step(plain) if scale == 1.0 else 1.0
        value = float(plain) * (-1 if match.group("sign") else 1)
        found.append(NumberInText(match.group(0).strip(), value * scale, step * scale / 2 * 1.0001))
    return found


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
    """Sorted known values for fast tolerance lookups."""

    def __init__(self, values: Iterable[float]) -> None:
        self._sorted = sorted({v for value in values for v in (value, abs(value))})

    def contains(self, value: float, tolerance: float) -> bool:
        """Whether a known value lies within `tolerance` of `value` (or of its magnitude)."""
        for target in {value, abs(value)}:
            position = bisect.bisect_left(self._sorted, target - tolerance)
            if position < len(self._sorted) and self._sorted[position] <= target + tolerance:
                return True
        return False


def check_numbers(answer: str, known_values: Iterable[float], *, ignore: Iterable[str] = ()) -> Grounding:
    """How many numbers in the answer the known values account for."""
    numbers = numbers_in(answer, ignore=ignore)
    if not numbers:
        return Grounding(None, 0, [])
    index = ValueIndex(known_values)
    ungrounded = [number.text for number in numbers if not index.contains(number.value, number.tolerance)]
    return Grounding(round(1 - len(ungrounded) / len(numbers), 4), len(numbers), ungrounded)
