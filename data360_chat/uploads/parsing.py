"""A CSV file read into series: its encoding and delimiter found, each column given a role, limits enforced.

Two layouts are understood. Long: a row per country and year, one or more columns of values (and optionally a
column naming the series). Wide: a row per country (and series), one column per year. Countries are matched to
ISO3 codes by name or code where they can be (so they line up with Data360's); other places keep their own name.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import PurePath

from data360_chat.geography import Gazetteer, normalize
from data360_chat.uploads.cells import is_missing, number, sniff_delimiter, year
from data360_chat.uploads.decoding import decode
from data360_chat.uploads.problems import UploadRejected
from data360_chat.uploads.table import NO_COUNTRY, Column, ParsedTable, Point, Series

COUNTRY_HEADERS = {"country", "country name", "country code", "countries", "iso3", "iso", "iso code", "economy",
                   "ref area", "area", "nation", "location", "country or area", "geo", "entity", "code"}  # fmt: skip
YEAR_HEADERS = {"year", "years", "time", "period", "time period", "date"}
SERIES_HEADERS = {"indicator", "indicator name", "series", "series name", "variable", "measure", "metric", "item"}
PREVIEW_ROWS = 5
MOST_VALUES = 250_000
NUMERIC_SHARE = 0.8
COUNTRY_SHARE = 0.5
MOST_SERIES_NAMES = 50
SAMPLE_ROWS = 2000  # rows read to tell each column's role
SAMPLE_PLACES = 300  # distinct cells of a column tried as country names


@dataclass(frozen=True)
class Limits:
    """How large an upload may be."""

    max_bytes: int
    max_rows: int
    max_columns: int
    types: Sequence[str]


def _size(count: int) -> str:
    return f"{count / (1024 * 1024):.1f} MB" if count >= 1024 * 1024 else f"{max(1, count // 1024)} KB"


def _check_file(filename: str, data: bytes, limits: Limits) -> None:
    suffix = PurePath(filename).suffix.lower().lstrip(".")
    if suffix not in limits.types:
        accepted = ", ".join(f".{kind}" for kind in limits.types)
        raise UploadRejected(f"Only CSV files can be used ({accepted}); “{filename}” is not one.")
    if len(data) > limits.max_bytes:
        raise UploadRejected(
            f"“{filename}” is {_size(len(data))}; the largest file accepted is {_size(limits.max_bytes)}."
        )
    if not data.strip():
        raise UploadRejected(f"“{filename}” is empty.")


def _records(text: str, delimiter: str, limits: Limits) -> tuple[list[str], list[list[str]]]:
    """The header (names cleaned, made unique) and the data rows, padded to the header's width."""
    rows = [row for row in csv.reader(io.StringIO(text), delimiter=delimiter) if any(cell.strip() for cell in row)]
    if not rows:
        raise UploadRejected("The file is empty.")
    header = [" ".join(name.split()) or f"Column {index + 1}" for index, name in enumerate(rows[0])]
    if len(header) > limits.max_columns:
        raise UploadRejected(f"The file has {len(header)} columns; at most {limits.max_columns} can be used.")
    if len(rows) - 1 > limits.max_rows:
        raise UploadRejected(f"The file has {len(rows) - 1:,} rows of data; at most {limits.max_rows:,} can be used.")
    if len(rows) == 1:
        raise UploadRejected("The file has a header but no rows of data.")
    seen: dict[str, int] = {}
    for index, name in enumerate(header):
        seen[name] = seen.get(name, 0) + 1
        header[index] = name if seen[name] == 1 else f"{name} ({seen[name]})"
    width = len(header)
    return header, [(row + [""] * width)[:width] for row in rows[1:]]


class _Places:
    """Country cells matched to ISO3 codes (once per distinct cell)."""

    def __init__(self, gazetteer: Gazetteer) -> None:
        self.gazetteer = gazetteer
        self.codes = gazetteer.codes()
        self.known: dict[str, tuple[str, str] | None] = {}

    def match(self, cell: str) -> tuple[str, str] | None:
        """`(code, name)` of a country written as a name or an ISO3 code; None when it is not one."""
        text = cell.strip()
        if text not in self.known:
            found = None
            if text.upper() in self.codes and len(text) == 3:
                found = (text.upper(), self.gazetteer.name_of(text.upper()))
            else:
                places = self.gazetteer.find(text)
                words = len(normalize(text).split())
                if len(places) == 1 and places[0].start == 0 and places[0].end == words:
                    found = (places[0].code, self.gazetteer.name_of(places[0].code))
            self.known[text] = found
        return self.known[text]


def _cells(rows: list[list[str]], index: int) -> list[str]:
    return [row[index] for row in rows if not is_missing(row[index])]


def _roles(header: list[str], rows: list[list[str]], places: _Places, decimal_comma: bool) -> list[str]:
    """Each column's role; at most one country, one year and one series column."""
    roles = ["other"] * len(header)
    cells = [_cells(rows[:SAMPLE_ROWS], index) for index in range(len(header))]
    named = [normalize(name) for name in header]

    def share(index: int, test: object, *, distinct: bool = False) -> float:
        values = list(dict.fromkeys(cells[index]))[:SAMPLE_PLACES] if distinct else cells[index]
        return sum(1 for value in values if test(value) is not None) / len(values) if values else 0.0  # type: ignore[operator]

    def numeric(cell: str) -> float | None:
        return number(cell, decimal_comma=decimal_comma)

    year_index = next((i for i, n in enumerate(named) if n in YEAR_HEADERS and share(i, year) >= NUMERIC_SHARE), None)
    if year_index is None:
        year_index = next((i for i in range(len(header)) if cells[i] and share(i, year) == 1.0), None)
    if year_index is not None:
        roles[year_index] = "year"
    candidates = [
        i
        for i in range(len(header))
        if roles[i] == "other"
        and share(i, numeric) < NUMERIC_SHARE
        and share(i, places.match, distinct=True) >= COUNTRY_SHARE
    ]
    country_index = next((i for i in candidates if named[i] in COUNTRY_HEADERS), candidates[0] if candidates else None)
    if country_index is not None:
        roles[country_index] = "country"
    for index in range(len(header)):
        if roles[index] == "other" and share(index, numeric) >= NUMERIC_SHARE:
            roles[index] = "value"
    series_index = next(
        (
            i
            for i in range(len(header))
            if roles[i] == "other" and named[i] in SERIES_HEADERS and 0 < len(set(cells[i])) <= MOST_SERIES_NAMES
        ),
        None,
    )
    if series_index is not None:
        roles[series_index] = "series"
    return roles


class _Builder:
    """Points grouped into series as they are read."""

    def __init__(self) -> None:
        self.keys: dict[str, str] = {}
        self.points: list[Point] = []

    def add(self, name: str, place: tuple[str, str], when: int | str, value: float) -> None:
        key = self.keys.setdefault(name, f"s{len(self.keys) + 1}")
        self.points.append(Point(key, place[0], place[1], when, value))
        if len(self.points) > MOST_VALUES:
            raise UploadRejected(f"The file has more than {MOST_VALUES:,} values; split it into smaller files.")

    def series(self) -> list[Series]:
        grouped: dict[str, list[Point]] = {key: [] for key in self.keys.values()}
        for point in self.points:
            grouped[point.series].append(point)
        found = []
        for name, key in self.keys.items():
            points = grouped[key]
            years = sorted({p.year for p in points}, key=str)
            countries = list(dict.fromkeys(p.country for p in points if p.code != NO_COUNTRY))
            found.append(Series(key, name, countries, years[0], years[-1], len(points)))
        return found


def _place(row: list[str], roles: list[str], places: _Places, fallback: str) -> tuple[str, str] | None:
    if "country" not in roles:
        return NO_COUNTRY, fallback
    cell = row[roles.index("country")].strip()
    if is_missing(cell):
        return None
    return places.match(cell) or (cell, cell)


def _series_name(row: list[str], roles: list[str], column: str, many_values: bool, stem: str) -> str:
    if "series" not in roles:
        return column
    named = row[roles.index("series")].strip() or stem
    return f"{named} – {column}" if many_values else named


def _read_long(header: list[str], rows: list[list[str]], roles: list[str], places: _Places, options: dict) -> _Builder:
    built = _Builder()
    values = [i for i, role in enumerate(roles) if role == "value"]
    for row in rows:
        when = year(row[roles.index("year")])
        place = _place(row, roles, places, options["stem"])
        if when is None or place is None:
            continue
        for index in values:
            value = number(row[index], decimal_comma=options["decimal_comma"])
            if value is not None:
                name = _series_name(row, roles, header[index], len(values) > 1, options["stem"])
                built.add(name, place, when, value)
    return built


def _read_wide(header: list[str], rows: list[list[str]], roles: list[str], places: _Places, options: dict) -> _Builder:
    built = _Builder()
    years = {index: year(name) for index, name in enumerate(header) if year(name) is not None}
    for row in rows:
        place = _place(row, roles, places, options["stem"])
        if place is None:
            continue
        name = row[roles.index("series")].strip() if "series" in roles else options["stem"]
        for index, when in years.items():
            value = number(row[index], decimal_comma=options["decimal_comma"])
            if value is not None and when is not None:
                built.add(name or options["stem"], place, when, value)
    return built


def parse_csv(filename: str, data: bytes, limits: Limits, gazetteer: Gazetteer) -> ParsedTable:
    """The file's series, or `UploadRejected` saying clearly what is wrong with it."""
    _check_file(filename, data, limits)
    decoded = decode(data)
    if not decoded.text.strip():
        raise UploadRejected(f"“{filename}” is empty.")
    delimiter = sniff_delimiter(decoded.text)
    header, rows = _records(decoded.text, delimiter, limits)
    places = _Places(gazetteer)
    options = {"decimal_comma": delimiter != ",", "stem": PurePath(filename).stem}
    roles = _roles(header, rows, places, options["decimal_comma"])
    wide = sum(1 for name in header if year(name) is not None) >= 2 and "year" not in roles
    if wide:
        roles = [("year" if year(name) is not None else role) for name, role in zip(header, roles, strict=True)]
    elif "value" not in roles:
        raise UploadRejected(
            "No column of numbers was found. The file needs at least one column of values "
            "(a row per country and year), or one column per year."
        )
    elif "year" not in roles:
        raise UploadRejected("No year column was found. Add a column of years, or put the years as column headers.")
    built = (_read_wide if wide else _read_long)(header, rows, roles, places, options)
    if not built.points:
        raise UploadRejected("No values could be read: no row has a year and a number.")
    return ParsedTable(
        encoding=decoded.encoding,
        delimiter=delimiter,
        rows=len(rows),
        columns=[Column(name, role) for name, role in zip(header, roles, strict=True)],
        series=built.series(),
        preview=[header, *rows[:PREVIEW_ROWS]],
        points=built.points,
    )
