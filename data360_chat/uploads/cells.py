"""Reading single cells of a CSV: numbers as people write them, years, missing markers, and the delimiter."""

from __future__ import annotations

import csv
import io
import math
import re
from collections import Counter

DELIMITERS = (",", ";", "\t", "|")
SNIFF_LINES = 50
MISSING = {"", "..", "...", "-", "—", "–", "na", "n/a", "nan", "null", "none", "#n/a", "x"}
YEAR = re.compile(r"^(1[89]\d\d|20\d\d|2100)(?:[-/](?:\d\d|q[1-4]|m\d\d))?$", re.IGNORECASE)
NUMBER_NOISE = re.compile(r"[\s\u00a0\u202f'$€£¥%]|US\$")
PLAIN_NUMBER = re.compile(r"^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$", re.IGNORECASE)


def sniff_delimiter(text: str) -> str:
    """The delimiter that splits the first lines into the same number (above one) of fields most consistently;
    a comma when none does."""
    lines = [line for line in text.splitlines() if line.strip()][:SNIFF_LINES]
    best, best_score = ",", (0.0, 0)
    for delimiter in DELIMITERS:
        counts = [len(row) for row in csv.reader(io.StringIO("\n".join(lines)), delimiter=delimiter)]
        if not counts:
            continue
        width, times = Counter(counts).most_common(1)[0]
        if width < 2:
            continue
        score = (times / len(counts), width)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def is_missing(cell: str) -> bool:
    """An empty cell or a marker of a missing value (`..`, `NA`, `-` ...)."""
    return cell.strip().lower() in MISSING


def number(cell: str, *, decimal_comma: bool) -> float | None:
    """A number written as people do (`1,234.5`, `1 234,5`, `12%`, `$3.2`), or None."""
    text = NUMBER_NOISE.sub("", cell.strip())
    negative = text.startswith("(") and text.endswith(")")
    text = text.strip("()").replace("−", "-")
    if "," in text and "." in text:
        decimal = "," if text.rfind(",") > text.rfind(".") else "."
        text = text.replace("." if decimal == "," else ",", "").replace(",", ".")
    elif "," in text:
        text = text.replace(",", ".") if decimal_comma and text.count(",") == 1 else text.replace(",", "")
    if not PLAIN_NUMBER.match(text):
        return None
    value = float(text)
    if not math.isfinite(value):
        return None
    return -value if negative else value


def year(cell: str) -> int | str | None:
    """A year (`2020`), or a period that starts with one (`2020-Q1`, `2020-03`), or None."""
    text = cell.strip()
    if text.endswith(".0"):
        text = text[:-2]
    if not YEAR.match(text):
        return None
    return int(text) if text.isdigit() else text.upper()
