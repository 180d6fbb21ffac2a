"""The offline model's answers: short, factual, every number taken from the data it was given."""

from __future__ import annotations

from collections.abc import Sequence

from data360_chat.assistant.charts import format_value, unit_of, year_span
from data360_chat.assistant.offline_model.conversation import Indicator, Point
from data360_chat.assistant.offline_model.question import Question
from data360_chat.assistant.sources import attribution, indicator_url, year_key
from data360_chat.geography import is_aggregate

SHORT_SERIES = 12
LABEL = "_Offline model: this answer is assembled by fixed rules from Data360 data, without a language model._"
EXAMPLES = (
    "- a trend: *Population of Kenya since 2000*, *Inflation in Argentina over the last twenty years*\n"
    "- a comparison: *Compare GDP per capita of Brazil, India and China*, *Life expectancy in Japan vs Nigeria*\n"
    "- a ranking: *Which countries had the highest CO2 emissions per capita in 2014?*\n"
    "- two indicators across countries: *GDP per capita vs life expectancy in 2019*"
)


def capabilities(reason: str) -> str:
    """What the offline model can do, after saying why it cannot answer this."""
    return (
        f"{LABEL}\n\n{reason}\n\nI look up World Bank indicators on Data360 for the countries and years you name "
        f"and answer with the figures and a chart. Ask for instance:\n\n{EXAMPLES}\n\n"
        "For free-form questions, set `LLM_MODEL` to a language model."
    )


def _value(point: Point, unit: str) -> str:
    return format_value(point.value, unit)


def _header(indicator: Indicator, places: str, span: str) -> str:
    where = f" for {places}" if places else ""
    when = f", {span}" if span else ""
    return f"**{indicator.name}**{where}{when} (indicator `{indicator.idno}`, {attribution(indicator.database_id)}):"


def _source_line(indicators: Sequence[Indicator]) -> str:
    links = ", ".join(f"[{i.name}]({indicator_url(i.idno)})" for i in indicators)
    return f"Source: {links}."


def _names(names: Sequence[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def nearest_year(years: Sequence[int | str], wanted: int) -> int | str | None:
    """The year closest to `wanted` (the later one on a tie)."""
    numeric = [y for y in years if isinstance(y, int)]
    if not numeric:
        return None
    return min(numeric, key=lambda year: (abs(year - wanted), -year))


def ranking(question: Question, indicator: Indicator, points: list[Point]) -> str:
    """The top (or bottom) countries in one year."""
    countries = [p for p in points if not is_aggregate(p.code)]
    if not countries:
        wanted = f" for {question.single_year}" if question.single_year else ""
        return f"{LABEL}\n\nData360 has no country data{wanted} for **{indicator.name}** (`{indicator.idno}`)."
    year = max({p.year for p in countries}, key=year_key)
    in_year = sorted((p for p in countries if p.year == year), key=lambda p: p.value, reverse=True)
    if question.ranking == "lowest":
        in_year.reverse()
    shown = in_year[: question.top]
    unit = unit_of(indicator.name)
    lines = [LABEL, ""]
    if question.single_year and question.single_year != year:
        lines.append(f"There is no data for {question.single_year}; the nearest year with data is {year}.\n")
    lines.append(
        f"The {question.ranking} values in {year} for **{indicator.name}** (indicator `{indicator.idno}`, "
        f"{attribution(indicator.database_id)}), among the countries with data; regional and income-group "
        "aggregates are left out:\n"
    )
    lines.extend(f"{rank}. {p.country}: {_value(p, unit)}" for rank, p in enumerate(shown, 1))
    lines.extend(["", _source_line([indicator])])
    return "\n".join(lines)


def _series_sentence(points: list[Point], unit: str) -> str:
    first, last = points[0], points[-1]
    if len(points) <= SHORT_SERIES:
        return f"{first.country}: " + ", ".join(f"{_value(p, unit)} in {p.year}" for p in points) + "."
    sentence = f"{first.country}: {_value(first, unit)} in {first.year} and {_value(last, unit)} in {last.year}"
    high = max(points, key=lambda p: p.value)
    low = min(points, key=lambda p: p.value)
    extremes = []
    if high not in (first, last):
        extremes.append(f"highest {_value(high, unit)} in {high.year}")
    if low not in (first, last):
        extremes.append(f"lowest {_value(low, unit)} in {low.year}")
    return sentence + (f" ({'; '.join(extremes)})" if extremes else "") + "."


def _coverage_note(question: Question, points: list[Point], requested: tuple[int | None, int | None]) -> str | None:
    """A sentence on years asked for that the country's data does not have."""
    start, end = requested
    years = [p.year for p in points if isinstance(p.year, int)]
    if not years:
        return None
    notes = []
    if start is not None and min(years) > start:
        notes.append(f"nothing before {min(years)}")
    if end is not None and max(years) < end:
        notes.append(f"nothing after {max(years)}")
    if not notes:
        return None
    asked = f"{start}–{end}" if start and end else f"since {start}" if start else f"until {end}"
    if question.last_years:
        asked = f"the last {question.last_years} years, {asked}"
    return f"For {points[0].country} the data has {' and '.join(notes)} (you asked for {asked})."


def time_series(
    question: Question, indicator: Indicator, points: list[Point], requested: tuple[int | None, int | None]
) -> list[str]:
    """Sentences for each country's series, then notes on missing countries and years."""
    unit = unit_of(indicator.name)
    by_country: dict[str, list[Point]] = {}
    for point in sorted(points, key=lambda p: year_key(p.year)):
        by_country.setdefault(point.code, []).append(point)
    names = [series[0].country for series in by_country.values()]
    lines = [_header(indicator, _names(names) if names else "", year_span([p.year for p in points])), ""]
    lines.extend(f"- {_series_sentence(series, unit)}" for series in by_country.values())
    notes = [note for series in by_country.values() if (note := _coverage_note(question, series, requested))]
    if len(by_country) > 1:
        common = set.intersection(*({p.year for p in series} for series in by_country.values()))
        if common:
            year = max(common, key=year_key)
            ranked = sorted((s for s in by_country.values()), key=lambda s: -next(p for p in s if p.year == year).value)
            top = next(p for p in ranked[0] if p.year == year)
            bottom = next(p for p in ranked[-1] if p.year == year)
            notes.insert(
                0,
                f"In {year}, the latest year with data for all of them, {top.country} was highest "
                f"({_value(top, unit)}) and {bottom.country} lowest ({_value(bottom, unit)}).",
            )
    return lines + (["", *notes] if notes else [])


def single_year(question: Question, indicator: Indicator, points: list[Point]) -> list[str]:
    """The value in the year asked for, or the nearest year there is, per country."""
    assert question.single_year is not None
    wanted = question.single_year
    unit = unit_of(indicator.name)
    by_country: dict[str, list[Point]] = {}
    for point in points:
        by_country.setdefault(point.code, []).append(point)
    lines = [_header(indicator, _names([s[0].country for s in by_country.values()]), str(wanted)), ""]
    for series in by_country.values():
        year = nearest_year([p.year for p in series], wanted)
        point = next(p for p in series if p.year == year)
        if year == wanted:
            lines.append(f"- {point.country}: {_value(point, unit)} in {wanted}.")
        else:
            lines.append(
                f"- {point.country}: no data for {wanted}; the nearest year with data is {year}: {_value(point, unit)}."
            )
    return lines


def scatter(indicators: Sequence[Indicator], points: Sequence[list[Point]]) -> str:
    """Two indicators across countries: how many countries have both, in which year."""
    pairs: dict[int | str, int] = {}
    second = {(p.code, p.year) for p in points[1]}
    for point in points[0]:
        if (point.code, point.year) in second and not is_aggregate(point.code):
            pairs[point.year] = pairs.get(point.year, 0) + 1
    if not pairs:
        return f"{LABEL}\n\nThe two indicators have no country and year in common, so they cannot be compared."
    year = max(pairs, key=lambda y: (pairs[y], year_key(y)))
    first, other = indicators
    return (
        f"{LABEL}\n\n**{other.name}** against **{first.name}** in {year} (indicators `{first.idno}` and "
        f"`{other.idno}`): the chart plots one point for each country with data for both.\n\n"
        + _source_line(indicators)
    )


def answer(
    question: Question,
    indicators: Sequence[Indicator],
    points: Sequence[list[Point]],
    missing: Sequence[str],
    requested: tuple[int | None, int | None],
) -> str:
    """The whole answer for the data found."""
    if question.ranking and len(indicators) == 1:
        return ranking(question, indicators[0], points[0])
    if len(indicators) == 2 and not question.places:
        return scatter(indicators, points)
    lines = [LABEL, ""]
    for indicator, found in zip(indicators, points, strict=True):
        if not found:
            lines.append(f"Data360 has no data for **{indicator.name}** (`{indicator.idno}`) for what you asked.")
            continue
        if question.single_year is not None:
            lines.extend(single_year(question, indicator, found))
        else:
            lines.extend(time_series(question, indicator, found, requested))
        lines.append("")
    if missing:
        lines.append(f"There is no data for {_names(list(missing))} for this indicator in the years asked.\n")
    if not question.places:
        lines.append("No country was named, so these are the figures for the world as a whole.\n")
    lines.append(_source_line(indicators))
    return "\n".join(lines)
