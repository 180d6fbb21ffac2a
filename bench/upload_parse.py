"""Reading an uploaded CSV at the limits: 50,000 rows (`UPLOAD_MAX_ROWS`) of 4 value columns in Windows-1252 with
semicolons and decimal commas, and a wide file of 260 places × 55 years; then one `upload_get_data` call.

Targets: parse ≤ 3 s for the largest long file, the upload tool ≤ 50 ms. Prints the file sizes, the parse time
(median of 3), the stored JSON sizes and peak memory of the parse. Usage: `PYTHONPATH=. .venv/bin/python
bench/upload_parse.py` (or `make bench`).
"""

from __future__ import annotations

import asyncio
import json
import statistics
import time
import tracemalloc
import uuid

from data360_chat.assistant.upload_tools import GET_DATA, UploadTools
from data360_chat.geography import gazetteer_for
from data360_chat.settings import BUNDLED_DATA, Settings
from data360_chat.uploads.parsing import Limits, parse_csv
from data360_chat.uploads.table import ParsedTable, UploadedData

RUNS = 3
PARSE_TARGET = 3.0
TOOL_TARGET = 0.05


def long_file(rows: int) -> bytes:
    """`rows` rows of country;year;4 values, as Excel on Windows saves them in Europe."""
    gazetteer = gazetteer_for(BUNDLED_DATA / "countries.csv")
    countries = sorted(gazetteer.codes())
    lines = ["Land;Jahr;Umsatz (€);Kosten (€);Kunden;Anteil (%)"]
    for index in range(rows):
        code, year = countries[index % len(countries)], 1960 + index // len(countries) % 65
        lines.append(f"{gazetteer.name_of(code)};{year};{index * 1.5:.2f};{index / 3:.3f};{index};{index % 100},5")
    return "\r\n".join(lines).replace(".", ",").encode("cp1252", errors="replace")


def wide_file(countries: int, years: int) -> bytes:
    """A World Bank style download: one row per country, one column per year."""
    header = ["Country Name", "Country Code", "Indicator Name", *(str(1960 + y) for y in range(years))]
    rows = [",".join(header)]
    for index in range(countries):
        rows.append(
            ",".join([f"Place {index}", f"P{index:02d}", "Clinics", *(str(index + y / 10) for y in range(years))])
        )
    return "\n".join(rows).encode("utf-8")


def timed_parse(name: str, data: bytes, limits: Limits) -> tuple[float, ParsedTable, int]:
    gazetteer = gazetteer_for(BUNDLED_DATA / "countries.csv")
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        table = parse_csv(name, data, limits, gazetteer)
        times.append(time.perf_counter() - started)
    tracemalloc.start()
    parse_csv(name, data, limits, gazetteer)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return statistics.median(times), table, peak


async def tool_time(table: ParsedTable) -> float:
    tools = UploadTools(_NoHub(), [UploadedData(uuid.uuid4(), "sales.csv", table)])
    started = time.perf_counter()
    result = await tools.call(GET_DATA, {"series_id": "u1-s1", "countries": "KEN,UGA,TZA", "start_year": 2000})
    assert result.ok and result.observations
    return time.perf_counter() - started


class _NoHub:
    def openai_tools(self) -> list[dict]:
        return []

    async def call(self, name: str, arguments: dict, *, timeout: float | None = None) -> None:  # noqa: ASYNC109
        raise AssertionError("only upload tools are called here")


def main() -> None:
    settings = Settings()
    limits = Limits(10 * 1024 * 1024, settings.upload_max_rows, settings.upload_max_columns, settings.upload_types)
    ok = True
    for name, data in (("sales.csv", long_file(settings.upload_max_rows)), ("wide.csv", wide_file(260, 55))):
        seconds, table, peak = timed_parse(name, data, limits)
        stored = len(json.dumps(table.points_json())) + len(json.dumps(table.summary_json()))
        print(
            f"{name}: {len(data) / 1e6:.1f} MB, {table.rows:,} rows, {len(table.points):,} values, "
            f"{len(table.series)} series: parse {seconds:.2f} s (target ≤ {PARSE_TARGET} s), "
            f"peak memory {peak / 1e6:.0f} MB, stored JSON {stored / 1e6:.1f} MB"
        )
        ok = ok and seconds <= PARSE_TARGET
        if name == "sales.csv":
            spent = asyncio.run(tool_time(table))
            print(f"upload_get_data over it: {spent * 1000:.1f} ms (target ≤ {TOOL_TARGET * 1000:.0f} ms)")
            ok = ok and spent <= TOOL_TARGET
    raise SystemExit(0 if ok else 1)


if __name__ == "__main__":
    main()
