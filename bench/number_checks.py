"""The check of an answer's numbers at the end of the answer, on tool results of growing size.

For 1, 10 and 40 countries of one indicator over 1960-2024 (from the WDI bundle, as the MCP client parses them), an
answer of 12 numbers (values, a growth rate, a difference, a ratio, "doubled", and wrong numbers that make every
computation be searched) is checked with `check_numbers`. Prints the median of 5 runs. Target: ≤ 200 ms for 10
countries (a typical comparison), ≤ 1 s for 40 (the check runs once, at the end of an answer). Usage: `PYTHONPATH=.
.venv/bin/python bench/number_checks.py`.
"""

from __future__ import annotations

import statistics
import time

from data360_chat.assistant.grounding import check_numbers
from tests.support.wdi import rows

COUNTRIES = ("KEN", "TZA", "UGA", "ETH", "NGA", "GHA", "ZAF", "EGY", "MAR", "SEN")
RUNS = 5


def countries(count: int) -> tuple[str, ...]:
    """`count` countries with population data."""
    if count <= len(COUNTRIES):
        return COUNTRIES[:count]
    every = sorted({row.country_code for row in rows("SP.POP.TOTL")})
    return tuple(every[:count])


def answer_text(values: dict[int, float]) -> str:
    a, b = values[2000], values[2020]
    return (
        f"Population went from {a / 1e6:.1f} million in 2000 to {b / 1e6:.1f} million in 2020, up "
        f"{(b - a) / a * 100:.1f}% ({(b - a) / 1e6:.1f} million more), {b / a:.2f} times as many; it doubled "
        "since 1990. Wrong: 123.4 million, 987,654, 77.77%, 4.44 times, 31,415,926 and 271.8%."
    )


def main() -> None:
    print("countries  observations  check (median of 5)")
    for count in (1, 10, 40):
        observations = list(rows("SP.POP.TOTL", countries(count), (1960, 2024)))
        kenya = {int(o.year): o.value for o in observations if o.country_code == observations[0].country_code}
        text = answer_text(kenya)
        times = []
        for _ in range(RUNS):
            started = time.perf_counter()
            check_numbers(text, [o.value for o in observations], observations=observations)
            times.append(time.perf_counter() - started)
        print(f"{count:>9}  {len(observations):>12}  {statistics.median(times) * 1000:>8.1f} ms")
    print("targets: ≤ 200 ms for 10 countries, ≤ 1000 ms for 40")


if __name__ == "__main__":
    main()
