"""The date range a dashboard covers: whole days in UTC, both ends included, 30 days up to today by default."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

DEFAULT_DAYS = 30
LONGEST_DAYS = 3660


class BadRange(ValueError):
    """The dates given cannot make a range; the message says how to fix them."""


@dataclass(frozen=True)
class DateRange:
    """From `start` to `end`, both included."""

    start: date
    end: date

    @property
    def since(self) -> datetime:
        """The first moment of the range (UTC)."""
        return datetime.combine(self.start, time(), UTC)

    @property
    def until(self) -> datetime:
        """The first moment after the range (UTC)."""
        return datetime.combine(self.end + timedelta(days=1), time(), UTC)

    @property
    def days(self) -> int:
        """How many days the range covers."""
        return (self.end - self.start).days + 1

    def query(self) -> str:
        """The range as a query string (`start=...&end=...`)."""
        return f"start={self.start.isoformat()}&end={self.end.isoformat()}"


def default_range(today: date | None = None) -> DateRange:
    """The last 30 days, today included."""
    last = today or datetime.now(UTC).date()
    return DateRange(last - timedelta(days=DEFAULT_DAYS - 1), last)


def parse_range(start: str | None, end: str | None) -> DateRange:
    """A range from `YYYY-MM-DD` texts (missing ones default to the last 30 days); `BadRange` otherwise."""
    fallback = default_range()
    try:
        first = date.fromisoformat(start.strip()) if start and start.strip() else fallback.start
        last = date.fromisoformat(end.strip()) if end and end.strip() else fallback.end
    except ValueError:
        raise BadRange("Dates look like 2026-01-31.") from None
    if first > last:
        raise BadRange("The start date is after the end date.")
    if (last - first).days >= LONGEST_DAYS:
        raise BadRange("Choose a range of at most ten years.")
    return DateRange(first, last)
