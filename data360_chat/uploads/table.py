"""A parsed upload as it is stored and shown: its columns and their roles, its series, a preview and its points."""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass, field
from typing import Any

ROLES = ("country", "year", "value", "series", "other")
NO_COUNTRY = "_"  # the code of points in a file without a country column


@dataclass(frozen=True)
class Column:
    """A column of the file and what it holds: `country`, `year`, `value`, `series` (names of series) or `other`."""

    name: str
    role: str


@dataclass(frozen=True)
class Point:
    """One value of a series for a place (`NO_COUNTRY` when the file names none) and a year."""

    series: str
    code: str
    country: str
    year: int | str
    value: float


@dataclass(frozen=True)
class Series:
    """A series found in the file: its key (`s1`, ...), name, and what it covers."""

    key: str
    name: str
    countries: list[str]
    first_year: int | str | None
    last_year: int | str | None
    points: int


@dataclass(frozen=True)
class ParsedTable:
    """Everything read from one file."""

    encoding: str
    delimiter: str
    rows: int
    columns: list[Column]
    series: list[Series]
    preview: list[list[str]]  # the header, then the first rows as written
    points: list[Point] = field(default_factory=list)

    def summary_json(self) -> dict[str, Any]:
        """What is stored beside the points (and shown in the preview)."""
        data = asdict(self)
        del data["points"]
        return data

    def points_json(self) -> list[list[Any]]:
        """The points, compactly: `[series, code, country, year, value]`."""
        return [[p.series, p.code, p.country, p.year, p.value] for p in self.points]

    @classmethod
    def from_json(cls, summary: dict[str, Any], points: list[list[Any]] | None = None) -> ParsedTable:
        """The table as stored (the points only when given)."""
        return cls(
            encoding=str(summary.get("encoding", "")),
            delimiter=str(summary.get("delimiter", "")),
            rows=int(summary.get("rows", 0)),
            columns=[Column(**column) for column in summary.get("columns", [])],
            series=[Series(**series) for series in summary.get("series", [])],
            preview=[list(map(str, row)) for row in summary.get("preview", [])],
            points=[Point(*row) for row in points or []],
        )

    def series_named(self, key: str) -> Series | None:
        """The series with this key."""
        return next((series for series in self.series if series.key == key), None)


@dataclass(frozen=True)
class UploadedData:
    """One uploaded file of a chat, with its points, as an answer reads it."""

    upload_id: uuid.UUID
    filename: str
    table: ParsedTable
