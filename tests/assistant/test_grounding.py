"""Numbers in answers checked against tool results, whatever their formatting."""

from __future__ import annotations

import pytest

from data360_chat.assistant.grounding import check_numbers, numbers_in, values_in
from tests.support.wdi import rows


def kenya_population() -> dict[int, float]:
    return {r.year: r.value for r in rows("SP.POP.TOTL", ("KEN",), (2000, 2025))}


@pytest.mark.parametrize(
    "written",
    [
        "{v:,.0f}",  # 31,064,890
        "{v:.0f}",  # 31064890
        "{m:.1f} million",
        "{m:.2f} million",
        "{m:.0f}m",
        "{b:.3f} billion",
        "about {r:,.0f}",  # a round figure: 31,000,000
    ],
)
def test_population_written_in_many_ways_is_grounded(written: str):
    value = kenya_population()[2000]
    text = "Kenya had " + written.format(v=value, m=value / 1e6, b=value / 1e9, r=round(value, -6)) + " people."
    result = check_numbers(text, [value])
    assert result.share == 1.0, result


def test_percentages_rounding_and_signs():
    inflation = {r.year: r.value for r in rows("FP.CPI.TOTL.ZG", ("ARG",), (2018, 2024))}
    text = f"Inflation reached {inflation[2024]:.1f}% in 2024 after {inflation[2018]:.2f} percent in 2018."
    assert check_numbers(text, inflation.values()).share == 1.0
    assert check_numbers("Prices fell by 2.1% (−2.1%).", [-2.07]).share == 1.0


def test_invented_numbers_are_flagged():
    value = kenya_population()[2000]
    result = check_numbers(f"Kenya had {value:,.0f} people in 2000 and 60,123,456 in 2030.", [value])
    assert result.ungrounded == ["60,123,456"]
    assert result.share == 0.5
    assert check_numbers("Kenya had 31.7 million people.", [value]).ungrounded == ["31.7 million"]


def test_years_list_markers_small_counts_and_names_are_not_checked():
    text = (
        "Between 2000 and 2014, the 3 countries below led CO2 emissions per capita (PM2.5 aside):\n"
        "1. Qatar\n2. Kuwait\n10. Oman\nSee WB_WDI_EN_ATM_CO2E_PC, a 20-year series, in the 1990s."
    )
    assert numbers_in(text, ignore=["Poverty headcount ratio at $3.00 a day"]) == []
    assert check_numbers("No numbers here.", []).share is None


def test_names_given_as_ignored_phrases_are_skipped():
    text = "The Poverty headcount ratio at $3.00 a day (2021 PPP) was 12.5%."
    assert [n.text for n in numbers_in(text, ignore=["Poverty headcount ratio at $3.00 a day (2021 PPP)"])] == ["12.5%"]


def test_values_are_collected_from_nested_results_and_text():
    payload = {"data": [{"OBS_VALUE": 51985780, "TIME_PERIOD": "2020"}], "note": "growth of 2.3 percent", "n": "7.5"}
    found = values_in(['{"x": 1.25}', payload])
    assert {51985780.0, 2020.0, 2.3, 7.5, 1.25} <= set(found)
