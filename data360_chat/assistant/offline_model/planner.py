"""The offline model's next step: which tools to call given the question and the results so far, or the answer.

search the indicator(s) → fetch their data (pages followed, a chart spec when a chart was asked for) → answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

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
from data360_chat.assistant.offline_model.question import STOP_WORDS, Question, parse_question
from data360_chat.geography import Gazetteer

SEARCH = "data360_search_indicators"
GET_DATA = "data360_get_data"
VIZ_SPEC = "data360_get_viz_spec"
PAGE_SIZE = 100
MAX_PAGES = 5
NEAR_YEARS = 10
WIDE_YEARS = 40
MODIFIERS = {"growth", "urban", "rural", "female", "male", "capita", "change", "share", "ratio", "per"}


@dataclass(frozen=True)
class CallTools:
    """Ask for these tool calls (run together)."""

    calls: list[tuple[str, dict[str, Any]]]


@dataclass(frozen=True)
class Reply:
    """Answer with this text."""

    text: str


Step = CallTools | Reply


def choose_indicator(candidates: list[Indicator], query: str) -> Indicator | None:
    """The search result that best fits the words asked: shared words first, no unasked qualifiers, server order."""
    wanted = words_of(query) - STOP_WORDS
    best: tuple[tuple[int, int, int], Indicator] | None = None
    for rank, candidate in enumerate(candidates):
        name = words_of(candidate.name)
        if not wanted & (name | words_of(candidate.definition)):
            continue
        score = (-len((MODIFIERS & name) - wanted), len(wanted & name), -rank)
        if best is None or score > best[0]:
            best = (score, candidate)
    return best[1] if best else None


def _latest_year(indicator: Indicator) -> int:
    return indicator.last_year or date.today().year - 1


def requested_years(question: Question, indicator: Indicator) -> tuple[int | None, int | None]:
    """The years to fetch: as asked, with "last N years" counted back from the indicator's latest year."""
    if question.last_years:
        end = _latest_year(indicator)
        return end - question.last_years + 1, end
    if question.single_year is not None:
        if question.ranking or not question.places:
            year = question.single_year
            if indicator.last_year and year > indicator.last_year:
                year = indicator.last_year
            if indicator.first_year and year < indicator.first_year:
                year = indicator.first_year
            return year, year
        return question.single_year - NEAR_YEARS, question.single_year + NEAR_YEARS
    if question.ranking:
        return _latest_year(indicator), _latest_year(indicator)
    return question.start_year, question.end_year


def data_arguments(question: Question, indicator: Indicator) -> dict[str, Any]:
    """Arguments of the first `data360_get_data` call for an indicator."""
    arguments: dict[str, Any] = {
        "database_id": indicator.database_id,
        "indicator_id": indicator.idno,
        "limit": PAGE_SIZE,
    }
    cross_section = question.ranking or (len(question.indicator_queries) == 2 and not question.places)
    if not cross_section:
        arguments["disaggregation_filters"] = {"REF_AREA": ",".join(question.country_codes or ["WLD"])}
    start, end = requested_years(question, indicator)
    if cross_section and start is None:
        start = end = _latest_year(indicator)
    if start is not None:
        arguments["start_year"] = start
    if end is not None:
        arguments["end_year"] = end
    return arguments


def viz_arguments(question: Question, data_call: dict[str, Any]) -> dict[str, Any]:
    """Arguments of a `data360_get_viz_spec` call matching a data call."""
    arguments = {
        key: data_call[key] for key in ("database_id", "indicator_id", "start_year", "end_year") if key in data_call
    }
    if "disaggregation_filters" in data_call:
        arguments["country_code"] = data_call["disaggregation_filters"]["REF_AREA"]
    if question.chart and question.chart != "chart":
        arguments["chart_type"] = question.chart
    return arguments


def _search_step(question: Question, tools: set[str]) -> Step:
    if SEARCH not in tools:
        return Reply(writer.capabilities("The Data360 tools are not available right now, so I cannot look up data."))
    calls = []
    for query in question.indicator_queries:
        arguments: dict[str, Any] = {"query": query, "limit": 5}
        if question.places:
            arguments["required_country"] = ", ".join(place.code for place in question.places)
        calls.append((SEARCH, arguments))
    return CallTools(calls)


def _pick(question: Question, exchanges: list[Exchange]) -> list[Indicator] | Reply:
    picked = []
    for query in question.indicator_queries:
        search = next((e for e in exchanges if e.name == SEARCH and e.arguments.get("query") == query), None)
        if search is None or search.result is None:
            return Reply(writer.capabilities("The indicator search gave no answer."))
        if search.error and not indicators_in(search.result):
            return Reply(writer.capabilities(f"The indicator search failed: {search.error}"))
        chosen = choose_indicator(indicators_in(search.result), query)
        if chosen is None:
            return Reply(writer.capabilities(f"I could not match “{query}” to a Data360 indicator."))
        picked.append(chosen)
    return picked


def _data_step(question: Question, indicators: list[Indicator], tools: set[str]) -> CallTools:
    calls = [(GET_DATA, data_arguments(question, indicator)) for indicator in indicators]
    if question.chart and VIZ_SPEC in tools and len(indicators) == 1:
        calls.append((VIZ_SPEC, viz_arguments(question, calls[0][1])))
    return CallTools(calls)


def _collect(
    indicator: Indicator, exchanges: list[Exchange], gazetteer: Gazetteer
) -> tuple[list[Point], dict[str, Any] | None, str | None]:
    """The points fetched for an indicator, the next page to ask for (if any) and an error."""
    calls = [e for e in exchanges if e.name == GET_DATA and e.arguments.get("indicator_id") == indicator.idno]
    points = [point for call in calls for point in points_in(call.result, gazetteer)]
    last = calls[-1]
    if last.error and not points:
        return points, None, last.error
    offset = paging(last.result)
    if offset is not None and len(calls) < MAX_PAGES:
        return points, {**last.arguments, "offset": offset}, None
    return points, None, None


def _wider_search(
    question: Question, indicators: list[Indicator], found: list[list[Point]], exchanges: list[Exchange]
) -> list[tuple[str, dict[str, Any]]]:
    """For a year asked about in some countries with nothing near it: fetch all their years, once."""
    if question.single_year is None or question.ranking or not question.places:
        return []
    calls = []
    for indicator, points in zip(indicators, found, strict=True):
        missing = [code for code in question.country_codes if code not in {p.code for p in points}]
        asked = [e for e in exchanges if e.name == GET_DATA and e.arguments.get("indicator_id") == indicator.idno]
        if missing and len(asked) == 1:
            wanted = question.single_year
            arguments = {
                **data_arguments(question, indicator),
                "disaggregation_filters": {"REF_AREA": ",".join(missing)},
                "start_year": min(wanted, indicator.first_year or wanted - WIDE_YEARS),
                "end_year": max(wanted, indicator.last_year or wanted + WIDE_YEARS),
            }
            calls.append((GET_DATA, arguments))
    return calls


def next_step(text: str, exchanges: list[Exchange], tools: set[str], gazetteer: Gazetteer) -> Step:
    """What to do now for this question, given the tool results so far."""
    question = parse_question(text, gazetteer)
    if not question.indicator_queries:
        return Reply(writer.capabilities("I could not tell which indicator you are asking about."))
    if not any(e.name == SEARCH for e in exchanges):
        return _search_step(question, tools)
    picked = _pick(question, exchanges)
    if isinstance(picked, Reply):
        return picked
    if not any(e.name == GET_DATA for e in exchanges):
        return _data_step(question, picked, tools)
    collected = [_collect(indicator, exchanges, gazetteer) for indicator in picked]
    next_pages = [(GET_DATA, page) for _, page, _ in collected if page is not None]
    if next_pages:
        return CallTools(next_pages)
    wider = _wider_search(question, picked, [found for found, _, _ in collected], exchanges)
    if wider:
        return CallTools(wider)
    errors = [error for _, _, error in collected if error]
    if errors:
        return Reply(f"{writer.LABEL}\n\nThe data could not be fetched: {errors[0]}")
    points = [found for found, _, _ in collected]
    asked = set(question.country_codes)
    present = {p.code for found in points for p in found}
    missing = [place.name for place in question.places if place.code in asked - present]
    requested = requested_years(question, picked[0])
    return Reply(writer.answer(question, picked, points, missing, requested))
