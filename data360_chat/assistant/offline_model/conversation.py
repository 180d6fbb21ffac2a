"""What the offline model reads from the messages it is sent: the question and the tool results since it."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

from data360_chat.assistant.prompt import table_records
from data360_chat.geography import Gazetteer, normalize

TIME_KEYS = ("TIME_PERIOD", "time_period", "year", "YEAR", "date")
VALUE_KEYS = ("OBS_VALUE", "obs_value", "value", "VALUE")
AREA_KEYS = ("REF_AREA", "ref_area", "country_code", "COUNTRY_CODE", "iso3")
AREA_NAME_KEYS = ("REF_AREA_LABEL", "REF_AREA_NAME", "ref_area_label", "country_name", "country", "COUNTRY")
ID_KEYS = ("idno", "indicator_id", "id", "code")
RANGE_KEYS = ("time_period_range", "years", "coverage")


@dataclass(frozen=True)
class Exchange:
    """One tool call made since the question, with its result (parsed JSON when it was JSON)."""

    name: str
    arguments: dict[str, Any]
    result: Any

    @property
    def error(self) -> str | None:
        """The error the tool reported, if any."""
        if isinstance(self.result, dict) and self.result.get("error"):
            return str(self.result["error"])
        return None


@dataclass(frozen=True)
class Indicator:
    """An indicator found by the search."""

    idno: str
    name: str
    database_id: str
    definition: str = ""
    first_year: int | None = None
    last_year: int | None = None


@dataclass(frozen=True)
class Point:
    """One observation read from a data result."""

    code: str
    country: str
    year: int | str
    value: float


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(part.get("text", "") for part in content if isinstance(part, dict))
    return ""


def _parsed(content: Any) -> Any:
    text = _text(content)
    try:
        return json.loads(text)
    except ValueError:
        return {"error": text} if text.lower().startswith("error") else text


def read_conversation(messages: list[dict[str, Any]]) -> tuple[str, list[Exchange]]:
    """The last question and the tool calls answered since it, in order."""
    last_user = max((i for i, m in enumerate(messages) if m.get("role") == "user"), default=-1)
    question = _text(messages[last_user].get("content")) if last_user >= 0 else ""
    results = {
        m.get("tool_call_id"): _parsed(m.get("content")) for m in messages[last_user + 1 :] if m.get("role") == "tool"
    }
    exchanges = []
    for message in messages[last_user + 1 :]:
        for call in message.get("tool_calls") or []:
            function = call.get("function") or {}
            try:
                arguments = json.loads(function.get("arguments") or "{}")
            except ValueError:
                arguments = {}
            exchanges.append(Exchange(function.get("name", ""), arguments, results.get(call.get("id"))))
    return question, exchanges


def _first(record: dict[str, Any], keys: tuple[str, ...]) -> Any:
    return next((record[key] for key in keys if record.get(key) not in (None, "")), None)


def _years(record: dict[str, Any]) -> tuple[int | None, int | None]:
    first, last = record.get("first_year"), record.get("last_year")
    coverage = _first(record, RANGE_KEYS)
    if isinstance(coverage, str) and "-" in coverage:
        start, _, end = coverage.partition("-")
        first, last = first or start.strip(), last or end.strip()
    last = last or record.get("latest_data")
    as_year = [int(str(y)[:4]) if y is not None and str(y)[:4].isdigit() else None for y in (first, last)]
    return as_year[0], as_year[1]


def indicators_in(result: Any) -> list[Indicator]:
    """Indicators listed in a search result, in the order given."""
    found = []
    for record in table_records(result):
        idno, name = _first(record, ID_KEYS), record.get("name")
        if not idno or not name:
            continue
        database = record.get("database_id") or "_".join(str(idno).split("_")[:2])
        definition = str(_first(record, ("truncated_definition", "definition", "definition_long")) or "")
        found.append(Indicator(str(idno), str(name), str(database), definition, *_years(record)))
    return found


def points_in(result: Any, gazetteer: Gazetteer) -> list[Point]:
    """Observations in a data result."""
    points = []
    for record in table_records(result):
        code, year, value = _first(record, AREA_KEYS), _first(record, TIME_KEYS), _first(record, VALUE_KEYS)
        try:
            number = float(value)
        except (TypeError, ValueError):
            continue
        if code is None or year is None or not math.isfinite(number):
            continue
        year_text = str(year)
        name = _first(record, AREA_NAME_KEYS) or gazetteer.name_of(str(code))
        points.append(Point(str(code), str(name), int(year_text) if year_text.isdigit() else year_text, number))
    return points


def paging(result: Any) -> int | None:
    """The offset of the next page when a data result says there is more."""
    if isinstance(result, dict) and result.get("has_more") and isinstance(result.get("next_offset"), int):
        return result["next_offset"]
    return None


def words_of(text: str) -> set[str]:
    """Normalised words with a plural `s` dropped, for loose matching."""
    return {word[:-1] if len(word) > 3 and word.endswith("s") else word for word in normalize(text).split()}
