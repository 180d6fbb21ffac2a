"""Numbers an answer may compute from the tool data, found with where they come from.

From every series (one indicator for one country) come the changes between two of its years: difference, percent
change, ratio ("doubled", "3.2 times") and average yearly growth; from every year of an indicator, the difference,
ratio and percent gap between two countries. They are not listed: for each written number, `Derivations.find`
searches the values that would produce it (sorted per series and per year, so a search is a few bisections per
value), and describes only the best match. Series are bounded (`MAX_YEARS`, `MAX_COUNTRIES`).
"""

from __future__ import annotations

import bisect
import itertools
import math
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Literal

from data360_chat.mcp_client.results import Observation

Family = Literal["value", "percent", "ratio"]
MAX_YEARS = 80
MAX_COUNTRIES = 40


@dataclass(frozen=True, slots=True)
class Fact:
    """A value an answer may cite: `where` says where it comes from; `family` the kind of number it can stand for
    (a plain value, a percentage or a ratio); `years` the years it is about."""

    value: float
    where: str
    family: Family = "value"
    years: tuple[int, ...] = ()


def _year(value: int | str) -> int | None:
    text = str(value)
    return int(text) if text.isdigit() and len(text) == 4 else None


def _number(value: float) -> str:
    return f"{value:,.4g}" if abs(value) < 1e6 else f"{value:,.0f}"


def observed(observations: Iterable[Observation]) -> list[Fact]:
    """Each observation as the fact "indicator · country · year"."""
    return [
        Fact(o.value, f"{o.indicator_name} · {o.country_name} · {o.year}", years=(year,) if year else ())
        for o in observations
        for year in [_year(o.year)]
    ]


class _Sorted:
    """Values with their positions, sorted, for range lookups."""

    def __init__(self, values: Sequence[float]) -> None:
        pairs = sorted((value, index) for index, value in enumerate(values))
        self._values = [value for value, _ in pairs]
        self._positions = [index for _, index in pairs]

    def between(self, one: float, other: float) -> Iterator[int]:
        """Positions of the values from `one` to `other` (in either order)."""
        low, high = min(one, other), max(one, other)
        start = bisect.bisect_left(self._values, low)
        end = bisect.bisect_right(self._values, high)
        return iter(self._positions[start:end])


@dataclass
class _Series:
    about: str  # "indicator · country"
    years: list[int]
    values: list[float]
    index: _Sorted
    _rates: tuple[list[float], list[tuple[int, int]]] | None = None

    def yearly_rates(self) -> tuple[list[float], list[tuple[int, int]]]:
        """Log growth per year between every two positive values, sorted, with their positions (made once)."""
        if self._rates is None:
            logs = [(i, math.log(v)) for i, v in enumerate(self.values) if v > 0]
            rates = sorted(
                ((b - a) / (self.years[j] - self.years[i]), (i, j))
                for (i, a), (j, b) in itertools.combinations(logs, 2)
            )
            self._rates = ([rate for rate, _ in rates], [pair for _, pair in rates])
        return self._rates


@dataclass
class _Year:
    indicator: str
    year: int
    countries: list[str]
    values: list[float]
    index: _Sorted


Match = tuple[float, tuple[int, ...], Callable[[], Fact]]  # distance to the number, years it is about, its fact


class Derivations:
    """Everything computable from some observations, searched one written number at a time."""

    def __init__(self, observations: Sequence[Observation]) -> None:
        series: dict[tuple[str, str], dict[int, Observation]] = {}
        years: dict[tuple[str, int], dict[str, Observation]] = {}
        for o in observations:
            year = _year(o.year)
            if year is not None:
                series.setdefault((o.indicator_id, o.country_code), {})[year] = o
                years.setdefault((o.indicator_id, year), {}).setdefault(o.country_code, o)
        self._series = []
        for points in series.values():
            kept = sorted(points.items())[-MAX_YEARS:]
            values = [o.value for _, o in kept]
            about = f"{kept[0][1].indicator_name} · {kept[0][1].country_name}"
            self._series.append(_Series(about, [year for year, _ in kept], values, _Sorted(values)))
        self._years = []
        for (_, year), countries in years.items():
            kept_countries = list(countries.values())[:MAX_COUNTRIES]
            values = [o.value for o in kept_countries]
            names = [o.country_name for o in kept_countries]
            self._years.append(_Year(kept_countries[0].indicator_name, year, names, values, _Sorted(values)))

    def find(self, value: float, tolerance: float, families: Iterable[Family], years: frozenset[int]) -> Fact | None:
        """The computation of one of `families` that gives `value` (or its opposite) within `tolerance`: the one
        about the most of `years`, then the closest."""
        allowed = set(families)
        best: tuple[tuple[int, float], Callable[[], Fact]] | None = None
        for target in {value, -value}:
            families_here = allowed - {"ratio"} if target < 0 else allowed  # a ratio of a series is never negative
            for distance, about_years, fact in self._matches(target, tolerance, families_here):
                rank = (sum(year not in years for year in about_years), distance)
                if best is None or rank < best[0]:
                    best = (rank, fact)
        return best[1]() if best is not None else None

    def _matches(self, target: float, tolerance: float, families: set[Family]) -> Iterator[Match]:
        for series in self._series:
            if "value" in families:
                yield from _differences(series, target, tolerance)
            if "ratio" in families:
                yield from _ratios(series, target, tolerance)
            if "percent" in families:
                yield from _changes(series, target, tolerance)
                yield from _yearly_growth(series, target, tolerance)
        for year in self._years:
            yield from _between_countries(year, target, tolerance, families)


def _later(series: _Series, first: int, one: float, other: float) -> Iterator[int]:
    return (last for last in series.index.between(one, other) if last > first)


def _differences(series: _Series, target: float, tolerance: float) -> Iterator[Match]:
    for first, a in enumerate(series.values):
        for last in _later(series, first, a + target - tolerance, a + target + tolerance):
            difference = series.values[last] - a
            fact = partial(_series_fact, series, first, last, "difference", difference, "value")
            yield abs(difference - target), (series.years[first], series.years[last]), fact


def _series_fact(series: _Series, first: int, last: int, kind: str, value: float, family: Family) -> Fact:
    """A computation between two years of a series, described."""
    start, end = series.years[first], series.years[last]
    span = f"{end}/{start}" if kind == "ratio" else f"{start}→{end}"
    where = f"derived: {kind} {span} of {series.about}"
    if kind in ("ratio", "change"):
        where += f" ({_number(series.values[first])} → {_number(series.values[last])})"
    return Fact(value, where, family, (start, end))


def _ratios(series: _Series, target: float, tolerance: float) -> Iterator[Match]:
    for first, a in enumerate(series.values):
        if a == 0:
            continue
        for last in _later(series, first, a * (target - tolerance), a * (target + tolerance)):
            ratio = series.values[last] / a
            fact = partial(_series_fact, series, first, last, "ratio", ratio, "ratio")
            yield abs(ratio - target), (series.years[first], series.years[last]), fact


def _changes(series: _Series, target: float, tolerance: float) -> Iterator[Match]:
    for first, a in enumerate(series.values):
        if a == 0:
            continue
        low, high = a * (1 + (target - tolerance) / 100), a * (1 + (target + tolerance) / 100)
        for last in _later(series, first, low, high):
            change = (series.values[last] - a) / a * 100
            fact = partial(_series_fact, series, first, last, "change", change, "percent")
            yield abs(change - target), (series.years[first], series.years[last]), fact


def _yearly_growth(series: _Series, target: float, tolerance: float) -> Iterator[Match]:
    if 1 + (target - tolerance) / 100 <= 0:
        return
    rates, pairs = series.yearly_rates()
    start_at = bisect.bisect_left(rates, math.log1p((target - tolerance) / 100))
    end_at = bisect.bisect_right(rates, math.log1p((target + tolerance) / 100))
    for rate, (first, last) in zip(rates[start_at:end_at], pairs[start_at:end_at], strict=True):
        growth = math.expm1(rate) * 100
        fact = partial(_series_fact, series, first, last, "average yearly growth", growth, "percent")
        yield abs(growth - target), (series.years[first], series.years[last]), fact


def _between_countries(year: _Year, target: float, tolerance: float, families: set[Family]) -> Iterator[Match]:
    """`a − b` (value), `a / b` (ratio) and `(a − b) / b` in percent (gap) for two countries in one year."""
    for first, a in enumerate(year.values):
        ranges: list[tuple[str, Family, float, float]] = []
        if "value" in families:
            ranges.append(("difference", "value", a - target - tolerance, a - target + tolerance))
        if a != 0 and "ratio" in families and target - tolerance > 0:
            ranges.append(("ratio", "ratio", a / (target + tolerance), a / (target - tolerance)))
        share, share_tolerance = 1 + target / 100, tolerance / 100
        if a != 0 and "percent" in families and share - share_tolerance > 0:
            ranges.append(("gap", "percent", a / (share + share_tolerance), a / (share - share_tolerance)))
        for kind, family, one, other in ranges:
            for second in year.index.between(one, other):
                if second == first:
                    continue
                b = year.values[second]
                if b == 0 and kind != "difference":
                    continue
                computed = a - b if kind == "difference" else a / b if kind == "ratio" else (a - b) / b * 100
                fact = partial(_country_fact, year, first, second, kind, computed, family)
                yield abs(computed - target), (year.year,), fact


def _country_fact(year: _Year, first: int, second: int, kind: str, value: float, family: Family) -> Fact:
    """A computation between two countries in one year, described."""
    pair = f"{year.countries[first]} vs {year.countries[second]}"
    return Fact(value, f"derived: {kind} {pair} of {year.indicator} · {year.year}", family, (year.year,))
