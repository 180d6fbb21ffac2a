"""Numbers computed from tool data: growth rates, differences, ratios, "doubled"/"halved", gaps between countries,
checked against real `data360_get_data` results of the offline server, each with where it was found."""

from __future__ import annotations

import itertools
import math
from typing import Any

import pytest

from data360_chat.assistant.grounding import check_numbers
from data360_chat.mcp_client.results import Observation


async def fetch(hub: Any, indicator: str, countries: str, start: int = 2000, end: int = 2022) -> list[Observation]:
    """The observations of a real `data360_get_data` call."""
    result = await hub.call(
        "data360_get_data",
        {
            "database_id": "WB_WDI",
            "indicator_id": indicator,
            "disaggregation_filters": {"REF_AREA": countries},
            "start_year": start,
            "end_year": end,
            "limit": 500,
        },
    )
    assert result.ok and result.observations, result.error
    return result.observations


def series(observations: list[Observation], country: str) -> dict[int, float]:
    return {int(o.year): o.value for o in observations if o.country_code == country}


def kinds(text: str, observations: list[Observation]) -> list[tuple[str, str, str]]:
    return [(c.text, c.kind, c.where) for c in check_numbers(text, [], observations=observations).checks]


async def test_growth_rates_differences_and_yearly_growth_are_found_with_their_years(hub):
    observations = await fetch(hub, "WB_WDI_SP_POP_TOTL", "KEN")
    kenya = series(observations, "KEN")
    a, b = kenya[2000], kenya[2020]
    yearly = ((b / a) ** (1 / 20) - 1) * 100
    text = (
        f"Kenya's population went from {a / 1e6:.1f} million in 2000 to {b / 1e6:.1f} million in 2020, "
        f"a rise of {(b - a) / a * 100:.0f}% ({(b - a) / 1e6:.1f} million more people), about {yearly:.1f}% a year."
    )
    checks = kinds(text, observations)
    assert [(number, kind) for number, kind, _ in checks] == [
        (f"{a / 1e6:.1f} million", "data"),
        (f"{b / 1e6:.1f} million", "data"),
        (f"{(b - a) / a * 100:.0f}%", "derived"),
        (f"{(b - a) / 1e6:.1f} million", "derived"),
        (f"{yearly:.1f}%", "derived"),
    ]
    wheres = [where for _, _, where in checks]
    assert wheres[0] == "Population, total · Kenya · 2000" and wheres[1] == "Population, total · Kenya · 2020"
    assert wheres[2].startswith("derived: change 2000→2020 of Population, total · Kenya")
    assert wheres[3] == "derived: difference 2000→2020 of Population, total · Kenya"
    assert wheres[4] == "derived: average yearly growth 2000→2020 of Population, total · Kenya"


def pair_with_ratio(values: dict[int, float], low: float, high: float) -> tuple[int, int, float]:
    """Two years of the series whose ratio lies between `low` and `high`."""
    for start, end in itertools.combinations(sorted(values), 2):
        ratio = values[end] / values[start]
        if low < ratio < high:
            return start, end, ratio
    raise AssertionError("no such pair in the data")


async def test_doubled_halved_and_times_are_ratios_of_the_series(hub):
    gdp = await fetch(hub, "WB_WDI_NY_GDP_MKTP_CD", "KEN", 1990, 2022)
    start, end, _ = pair_with_ratio(series(gdp, "KEN"), 1.96, 2.04)
    [check] = check_numbers(f"Kenya's GDP doubled between {start} and {end}.", [], observations=gdp).checks
    assert (check.text, check.kind) == ("doubled", "derived") and "ratio" in check.where

    mortality = await fetch(hub, "WB_WDI_SH_DYN_MORT", "KEN", 1990, 2022)
    start, end, _ = pair_with_ratio(series(mortality, "KEN"), 0.48, 0.52)
    [check] = check_numbers("Child mortality halved.", [], observations=mortality).checks
    assert (check.text, check.kind) == ("halved", "derived")

    values = series(gdp, "KEN")
    ratio = values[2022] / values[2000]
    [check] = check_numbers(f"It is {ratio:.1f} times what it was in 2000.", [], observations=gdp).checks
    assert (check.text, check.kind) == (f"{ratio:.1f} times", "derived")
    assert check.where.startswith("derived: ratio 2022/2000 of GDP")


async def test_gaps_between_countries_in_one_year(hub):
    observations = await fetch(hub, "WB_WDI_SP_POP_TOTL", "KEN,TZA")
    kenya, tanzania = series(observations, "KEN"), series(observations, "TZA")
    ratio = tanzania[2020] / kenya[2020]
    gap = (tanzania[2020] - kenya[2020]) / kenya[2020] * 100
    text = f"In 2020 Tanzania had {ratio:.2f} times as many people as Kenya ({gap:.1f}% more)."
    checks = kinds(text, observations)
    assert [kind for _, kind, _ in checks] == ["derived", "derived"]
    assert checks[0][2] == "derived: ratio Tanzania vs Kenya of Population, total · 2020"
    assert checks[1][2] == "derived: gap Tanzania vs Kenya of Population, total · 2020"


async def test_rounding_tolerance_and_wrong_numbers(hub):
    observations = await fetch(hub, "WB_WDI_SP_POP_TOTL", "KEN")
    kenya = series(observations, "KEN")
    change = (kenya[2020] - kenya[2000]) / kenya[2000] * 100
    # Computed from rounded values (31.1 and 51.99 million): within 1% of the exact change, so accepted.
    from_rounded = (round(kenya[2020], -5) - round(kenya[2000], -5)) / round(kenya[2000], -5) * 100
    assert math.isclose(from_rounded, change, rel_tol=0.01)
    assert kinds(f"It grew by {from_rounded:.2f}%.", observations)[0][1] == "derived"
    # Far from anything the data gives: flagged, whatever the wording.
    checks = kinds("It grew by 312% and now stands at 91.4 million; it tripled.", observations)
    assert [(number, kind) for number, kind, _ in checks] == [
        ("312%", "unverified"),
        ("91.4 million", "unverified"),
        ("tripled", "unverified"),
    ]
    assert check_numbers("It grew by 312%.", [], observations=observations).share == 0.0


@pytest.mark.parametrize("text", ["It doubled.", "It grew 2.0 times.", "It is 2 times bigger.", "It is 2.0× bigger."])
def test_ratios_need_a_ratio_in_the_data(text: str):
    assert check_numbers(text, [2.0]).checks[0].kind == "unverified"  # a plain value 2.0 is not a ratio
