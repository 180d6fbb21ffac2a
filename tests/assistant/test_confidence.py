"""The confidence of an answer: each factor, and how they combine."""

from __future__ import annotations

import pytest

from data360_chat.assistant.confidence import answer_confidence, covered_years, years_asked

KENYA = {"indicator_id": "WB_WDI_SP_POP_TOTL", "start_year": 2000, "end_year": 2020}


def confidence(**changes):
    values = {
        "status": "complete",
        "question": "Population of Kenya",
        "grounded_share": 1.0,
        "tool_statuses": ["ok", "ok"],
        "sources": [KENYA],
    }
    values.update(changes)
    return answer_confidence(**values)


@pytest.mark.parametrize(
    ("question", "latest", "years"),
    [
        ("Population of Kenya", None, set()),
        ("GDP in 2010", None, {2010}),
        ("GDP in 2000 and 2020", None, {2000, 2020}),
        ("GDP from 2000 to 2003", None, {2000, 2001, 2002, 2003}),
        ("GDP 2003-2001", None, {2001, 2002, 2003}),
        ("GDP between 1999 and 2001", None, {1999, 2000, 2001}),
        ("GDP since 2018", 2020, {2018, 2019, 2020}),
        ("GDP since 2018", None, {2018}),
        ("CO2 per capita above 2.5 tonnes, 300 people", None, set()),
    ],
)
def test_years_asked(question, latest, years):
    assert years_asked(question, latest) == years


def test_covered_years_span_each_source_and_read_quarter_labels():
    sources = [{"start_year": "2019-Q1", "end_year": "2020-Q4"}, {"start_year": 2023, "end_year": None}, {}]
    assert covered_years(sources) == {2019, 2020, 2023}


def test_a_fully_backed_answer_scores_one():
    result = confidence()
    assert (result.value, result.grounded, result.tools, result.years, result.has_data) == (1.0, 1.0, 1.0, None, True)


def test_each_factor_lowers_the_score():
    assert confidence(grounded_share=0.5).value == 0.5
    assert confidence(tool_statuses=["ok", "error", "ok", "error"]).value == 0.5
    half_covered = confidence(question="Kenya's population from 2011 to 2030")
    assert half_covered.years == 0.5 and half_covered.value == 0.5
    assert confidence(grounded_share=0.5, tool_statuses=["ok", "error"], question="in 2020 and 2030").value == 0.12


def test_factors_that_do_not_apply_count_as_one():
    result = confidence(grounded_share=None, tool_statuses=[])
    assert (result.value, result.grounded, result.tools) == (1.0, None, None)


def test_no_data_or_an_unfinished_answer_scores_zero():
    assert confidence(sources=[]).value == 0.0
    assert confidence(sources=[]).has_data is False
    for status in ("error", "cancelled", "streaming"):
        assert confidence(status=status).value == 0.0
