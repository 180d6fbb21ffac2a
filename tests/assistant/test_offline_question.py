"""How the offline model reads questions: indicator words, countries, years, rankings, charts."""

from __future__ import annotations

import pytest

from data360_chat.assistant.offline_model.question import parse_question
from data360_chat.geography import gazetteer_for
from tests.support.wdi import data_dir


@pytest.fixture(scope="module")
def gazetteer():
    return gazetteer_for(data_dir() / "countries.csv")


@pytest.mark.parametrize(
    ("question", "query", "codes", "years"),
    [
        ("Population of Kenya since 2000", "population", ["KEN"], {"start_year": 2000}),
        ("Compare GDP per capita of Brazil, India and China", "gdp per capita", ["BRA", "IND", "CHN"], {}),
        ("Which countries had the highest CO2 emissions per capita in 2014?", "co2 emissions per capita", [], {}),
        ("Life expectancy in Japan vs Nigeria", "life expectancy", ["JPN", "NGA"], {}),
        ("Inflation in Argentina over the last 20 years", "inflation", ["ARG"], {"last_years": 20}),
        ("Unemployment in the US and Côte d’Ivoire from 2010 to 2020", "unemployment", ["USA", "CIV"], {}),
        ("Fertility rate in Guinea-Bissau, Niger and Nigeria in 2030", "fertility rate", ["GNB", "NER", "NGA"], {}),
        ("What is South Korea's GDP?", "gdp", ["KOR"], {}),
    ],
)
def test_the_questions_it_must_handle(gazetteer, question, query, codes, years):
    parsed = parse_question(question, gazetteer)
    assert parsed.indicator_queries == [query]
    assert parsed.country_codes == codes
    for field, value in years.items():
        assert getattr(parsed, field) == value


def test_rankings_years_and_charts(gazetteer):
    ranking = parse_question("Which countries had the highest CO2 emissions per capita in 2014?", gazetteer)
    assert (ranking.ranking, ranking.single_year, ranking.top) == ("highest", 2014, 10)
    lowest = parse_question("Top 5 countries in the world with the lowest life expectancy", gazetteer)
    assert (lowest.ranking, lowest.top, lowest.places) == ("lowest", 5, [])
    chart = parse_question("Plot a bar chart of unemployment in Spain between 2008 and 2012", gazetteer)
    assert (chart.chart, chart.start_year, chart.end_year) == ("bar chart", 2008, 2012)
    compare = parse_question("Which of Brazil and Chile has the highest inflation?", gazetteer)
    assert compare.ranking is None and compare.country_codes == ["BRA", "CHL"]


def test_two_indicators_against_each_other(gazetteer):
    parsed = parse_question("GDP per capita vs life expectancy in 2019", gazetteer)
    assert parsed.indicator_queries == ["gdp per capita", "life expectancy"]
    assert parsed.single_year == 2019


def test_words_that_are_not_places(gazetteer):
    parsed = parse_question("Tell us about unemployment", gazetteer)
    assert parsed.places == [] and parsed.indicator_queries == ["unemployment"]
    assert parse_question("hello", gazetteer).places == []
