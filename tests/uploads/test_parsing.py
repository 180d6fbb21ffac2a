"""Real CSV files as people save them: encodings, delimiters, layouts, and files that cannot be used."""

from __future__ import annotations

from pathlib import Path

import pytest

from data360_chat.geography import gazetteer_for
from data360_chat.settings import BUNDLED_DATA
from data360_chat.uploads.cells import number, sniff_delimiter
from data360_chat.uploads.parsing import Limits, parse_csv
from data360_chat.uploads.problems import UploadRejected
from data360_chat.uploads.table import ParsedTable

FILES = Path(__file__).parent / "files"
LIMITS = Limits(max_bytes=5 * 1024 * 1024, max_rows=50_000, max_columns=60, types=("csv", "tsv", "txt"))
GAZETTEER = gazetteer_for(BUNDLED_DATA / "countries.csv")


def parse(name: str, limits: Limits = LIMITS) -> ParsedTable:
    return parse_csv(name, (FILES / name).read_bytes(), limits, GAZETTEER)


def roles(table: ParsedTable) -> dict[str, str]:
    return {column.name: column.role for column in table.columns}


def values(table: ParsedTable) -> dict[tuple[str, int | str], float]:
    return {(p.code, p.year): p.value for p in table.points}


def test_a_plain_utf8_file_gives_one_series_per_value_column_with_iso3_countries() -> None:
    table = parse("clinics.csv")
    assert (table.encoding, table.delimiter, table.rows) == ("utf-8", ",", 16)
    assert roles(table) == {"country": "country", "year": "year", "Clinics per 100k people": "value"}
    [series] = table.series
    assert (series.key, series.name, series.countries) == ("s1", "Clinics per 100k people", ["Kenya", "Uganda"])
    assert (series.first_year, series.last_year, series.points) == (2015, 2022, 16)
    assert values(table)[("KEN", 2015)] == 10.0 and values(table)[("UGA", 2022)] == 11.3
    assert table.preview[0] == ["country", "year", "Clinics per 100k people"] and len(table.preview) == 6


def test_excel_utf8_with_a_bom_semicolons_and_decimal_commas() -> None:
    table = parse("umsatz-utf8-bom.csv")
    assert (table.encoding, table.delimiter) == ("utf-8-sig", ";")
    assert table.columns[0].name == "Country", "the byte-order mark is not part of the first name"
    assert values(table) == {("CIV", 2020): 1.5, ("STP", 2020): 2.25, ("Nairobi County", 2021): 3.0}
    assert table.series[0].name == "Umsatz (Mio. €)"


def test_windows_1252_with_the_euro_sign_and_tabs() -> None:
    table = parse("prices-cp1252.tsv")
    assert (table.encoding, table.delimiter) == ("cp1252", "\t")
    assert table.series[0].name == "Price (€)"
    assert table.series[0].countries == ["Côte d’Ivoire", "Curaçao", "Kenya"]
    assert values(table)[("CIV", 2019)] == 12.5


def test_latin_1_is_the_last_resort_and_pipes_are_a_delimiter() -> None:
    table = parse("index-latin1.txt")
    assert (table.encoding, table.delimiter) == ("latin-1", "|")
    assert values(table) == {("CIV", 2019): 1.5, ("KEN", 2020): 2.5}


@pytest.mark.parametrize(
    ("name", "encoding"), [("schools-utf16.txt", "utf-16"), ("schools-utf16le-nobom.csv", "utf-16-le")]
)
def test_utf16_wide_files_with_one_column_per_year(name: str, encoding: str) -> None:
    table = parse(name)
    assert table.encoding == encoding
    assert roles(table)["Indicator Name"] == "series" and roles(table)["2019"] == "year"
    [series] = table.series
    assert series.name == "Schools" and series.countries == ["Kenya", "Uganda"]
    assert values(table) == {("KEN", 2019): 10, ("KEN", 2020): 11, ("UGA", 2019): 7, ("UGA", 2021): 9}


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("empty.csv", "is empty"),
        ("header-only.csv", "header but no rows"),
        ("no-numbers.csv", "No column of numbers"),
        ("no-year.csv", "No year column"),
        ("workbook.csv", "Excel workbook"),
        ("binary.csv", "could not be read as text"),
        ("report.xlsx", "Only CSV files"),
    ],
)
def test_files_that_cannot_be_used_say_why(name: str, reason: str) -> None:
    with pytest.raises(UploadRejected, match=reason):
        parse(name)


def test_limits_on_size_rows_and_columns() -> None:
    with pytest.raises(UploadRejected, match=r"is 1 KB; the largest file accepted is 1 KB"):
        parse("clinics.csv", Limits(max_bytes=200, max_rows=50_000, max_columns=60, types=("csv",)))
    with pytest.raises(UploadRejected, match="16 rows of data; at most 10"):
        parse("clinics.csv", Limits(max_bytes=10_000, max_rows=10, max_columns=60, types=("csv",)))
    with pytest.raises(UploadRejected, match="3 columns; at most 2"):
        parse("clinics.csv", Limits(max_bytes=10_000, max_rows=100, max_columns=2, types=("csv",)))


def test_the_stored_form_reads_back_the_same() -> None:
    table = parse("schools-utf16.txt")
    assert ParsedTable.from_json(table.summary_json(), table.points_json()) == table


@pytest.mark.parametrize(
    ("cell", "decimal_comma", "expected"),
    [
        ("1,234.5", False, 1234.5),
        ("1.234,5", True, 1234.5),
        ("2,5", True, 2.5),
        ("1,500", False, 1500.0),
        ("12%", False, 12.0),
        ("US$3.2", False, 3.2),
        ("(4.5)", False, -4.5),
        ("1 234 567", False, 1234567.0),
        ("n/a", False, None),
        ("abc", False, None),
    ],
)
def test_numbers_as_people_write_them(cell: str, decimal_comma: bool, expected: float | None) -> None:
    assert number(cell, decimal_comma=decimal_comma) == expected


def test_the_delimiter_is_the_one_that_splits_lines_consistently() -> None:
    assert sniff_delimiter('name,"a;b",3\nx,"c;d",4\n') == ","
    assert sniff_delimiter("a;b;c\n1,5;2,5;3\n") == ";"
