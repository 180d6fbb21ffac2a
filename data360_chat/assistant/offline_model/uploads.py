"""The offline model's questions about the person's uploaded files (when the upload tools are offered).

list the uploaded series (and search Data360 for an indicator to compare with, if the question names one) → read
the series that fits the question best (and that indicator's data for the same countries and years) → answer,
citing "your upload". Questions that do not mention an upload go to the Data360 planner.
"""

from __future__ import annotations

import re
from typing import Any

from data360_chat.assistant.charts import MAX_LINES, year_span
from data360_chat.assistant.offline_model import writer
from data360_chat.assistant.offline_model.conversation import (
    Exchange,
    Indicator,
    Point,
    indicators_in,
    paging,
    points_in,
    words_of,
)
from data360_chat.assistant.offline_model.planner import GET_DATA, SEARCH, CallTools, Reply, Step, choose_indicator
from data360_chat.assistant.offline_model.question import STOP_WORDS, Question, indicator_words, parse_question
from data360_chat.assistant.prompt import table_records
from data360_chat.geography import Gazetteer, normalize

LIST_SERIES = "upload_list_series"
GET_UPLOAD = "upload_get_data"
UPLOAD_WORDS = {"upload", "uploaded", "uploads", "file", "files", "csv", "spreadsheet", "mine", "my", "own"}
MENTIONS = re.compile(r"\b(upload(?:ed|s)?|my (?:own )?(?:data|file|csv|numbers|series|spreadsheet)|csv)\b", re.I)
SPLIT = re.compile(r"\bvs\.?\s|\bversus\b|\bagainst\b|\bwith\b|\band\b", re.IGNORECASE)
MAX_PAGES = 5


def asks_about_upload(text: str) -> bool:
    """Whether the question is about the person's own uploaded data."""
    return bool(MENTIONS.search(text))


def comparison_query(text: str, gazetteer: Gazetteer) -> str:
    """The Data360 indicator the question compares the upload with ("… my upload with population"), or ""."""
    parts = [part for part in SPLIT.split(text) if part.strip()]
    others = [part for part in parts if not asks_about_upload(part)]
    if len(parts) < 2 or not others:
        return ""
    words = indicator_words(" ".join(others), gazetteer.find(" ".join(others))).split()
    return " ".join(word for word in words if word not in UPLOAD_WORDS)


def _listed(exchanges: list[Exchange]) -> list[dict[str, Any]]:
    listing = next((e for e in exchanges if e.name == LIST_SERIES), None)
    return [r for r in table_records(listing.result) if r.get("series_id")] if listing else []


def _best_series(series: list[dict[str, Any]], text: str) -> dict[str, Any]:
    wanted = words_of(text) - STOP_WORDS - UPLOAD_WORDS
    return max(series, key=lambda s: (len(wanted & words_of(str(s.get("name", "")))), -series.index(s)))


def _collect(exchanges: list[Exchange], name: str, gazetteer: Gazetteer) -> tuple[list[Point], dict | None, str]:
    """Points of the calls to `name`, the next page to ask for, and an error."""
    calls = [e for e in exchanges if e.name == name]
    if not calls:
        return [], None, ""
    points = [point for call in calls for point in points_in(call.result, gazetteer)]
    offset = paging(calls[-1].result)
    if offset is not None and len(calls) < MAX_PAGES:
        return points, {**calls[-1].arguments, "offset": offset}, ""
    return points, None, (calls[-1].error or "") if not points else ""


def _first_calls(question: Question, query: str, tools: set[str]) -> Step:
    calls: list[tuple[str, dict[str, Any]]] = [(LIST_SERIES, {})]
    if query and SEARCH in tools:
        arguments: dict[str, Any] = {"query": query, "limit": 5}
        if question.places:
            arguments["required_country"] = ", ".join(question.country_codes)
        calls.append((SEARCH, arguments))
    return CallTools(calls)


def _data_calls(
    question: Question, series: dict[str, Any], indicator: Indicator | None, codes: list[str]
) -> list[tuple[str, dict[str, Any]]]:
    arguments: dict[str, Any] = {"series_id": series["series_id"]}
    if question.places:
        arguments["countries"] = ",".join(question.country_codes)
    if question.start_year:
        arguments["start_year"] = question.start_year
    if question.end_year:
        arguments["end_year"] = question.end_year
    calls: list[tuple[str, dict[str, Any]]] = [(GET_UPLOAD, arguments)]
    if indicator is not None and codes:
        data = {"database_id": indicator.database_id, "indicator_id": indicator.idno, "limit": 100}
        data["disaggregation_filters"] = {"REF_AREA": ",".join(codes[:MAX_LINES])}
        first, last = series.get("first_year"), series.get("last_year")
        if str(first)[:4].isdigit() and str(last)[:4].isdigit():
            data["start_year"], data["end_year"] = int(str(first)[:4]), int(str(last)[:4])
        calls.append((GET_DATA, data))
    return calls


def _indicator(exchanges: list[Exchange], query: str) -> Indicator | None:
    search = next((e for e in exchanges if e.name == SEARCH), None)
    return choose_indicator(indicators_in(search.result), query) if search and query else None


def upload_answer(
    question: Question, series: dict[str, Any], points: list[Point], indicator: Indicator | None, data: list[Point]
) -> str:
    """The answer: the uploaded series per country, then the Data360 indicator it was compared with."""
    filename = str(series.get("file") or "your file")
    own = Indicator(str(series["series_id"]), str(series.get("name") or series["series_id"]), f"upload:{filename}")
    if not points:
        return f"{writer.LABEL}\n\nYour upload **{filename}** has no values of **{own.name}** for what you asked."
    places = sorted({p.country for p in points if p.code != "_"})
    where = f" for {', '.join(places)}" if places and len(places) <= 4 else ""
    header = f"**{own.name}** from your upload **{filename}**{where}, {year_span([p.year for p in points])}:"
    lines = [writer.LABEL, "", header, *writer.time_series(question, own, points, (None, None))[1:], ""]
    if indicator is not None and data:
        lines.extend([*writer.time_series(question, indicator, data, (None, None)), ""])
        lines.append("The chart draws both: Data360 as solid lines, your upload dashed on the right-hand axis.\n")
    elif indicator is not None:
        lines.append(f"Data360 has no data for **{indicator.name}** for these countries and years.\n")
    lines.append(f"Source: your upload ({filename})" + (f"; Data360, `{indicator.idno}`." if indicator else "."))
    return "\n".join(lines)


def upload_step(text: str, exchanges: list[Exchange], tools: set[str], gazetteer: Gazetteer) -> Step | None:
    """The next step for a question about an upload; None for any other question."""
    if LIST_SERIES not in tools or not asks_about_upload(text):
        return None
    question = parse_question(text, gazetteer)
    query = comparison_query(text, gazetteer)
    if not any(e.name == LIST_SERIES for e in exchanges):
        return _first_calls(question, query, tools)
    series = _listed(exchanges)
    if not series:
        return Reply(f"{writer.LABEL}\n\nThe series of your upload could not be read, so I cannot answer about it.")
    chosen = _best_series(series, normalize(text))
    indicator = _indicator(exchanges, query)
    if not any(e.name == GET_UPLOAD for e in exchanges):
        codes = question.country_codes or [str(c) for c in (chosen.get("countries") or [])]
        codes = [place.code for name in codes for place in gazetteer.find(name)[:1]] if not question.places else codes
        return CallTools(_data_calls(question, chosen, indicator, codes))
    points, page, error = _collect(exchanges, GET_UPLOAD, gazetteer)
    data, data_page, _ = _collect(exchanges, GET_DATA, gazetteer) if indicator else ([], None, "")
    pages = [(name, p) for name, p in ((GET_UPLOAD, page), (GET_DATA, data_page)) if p is not None]
    if pages:
        return CallTools(pages)
    if error:
        return Reply(f"{writer.LABEL}\n\nYour upload could not be read: {error}")
    return Reply(upload_answer(question, chosen, points, indicator, data))
