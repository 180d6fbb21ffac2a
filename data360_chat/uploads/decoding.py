"""An uploaded file's bytes as text: the encoding found deterministically, files that are not text refused.

Order: a byte-order mark (UTF-8, UTF-16 LE/BE), UTF-16 without one (a NUL in every other byte of ASCII text),
strict UTF-8, strict Windows-1252 (what spreadsheet programs on Windows save), then Latin-1, which reads any byte.
`charset-normalizer` is installed (requests needs it) but guesses cp1250 or cp437 for short Western European CSVs,
so it is not used here.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass

from data360_chat.uploads.problems import UploadRejected

BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
SIGNATURES = (
    (b"PK\x03\x04", "an Excel workbook or another zip file"),
    (b"\xd0\xcf\x11\xe0", "an old Excel (.xls) workbook"),
    (b"%PDF", "a PDF document"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
)
SAMPLE_BYTES = 4096
MOST_CONTROL_SHARE = 0.01


@dataclass(frozen=True)
class DecodedText:
    """The file's text and the encoding it was read with."""

    text: str
    encoding: str


def _utf16_without_bom(data: bytes) -> str | None:
    """`utf-16-le` or `utf-16-be` when ASCII text has a NUL in every other byte."""
    sample = data[:SAMPLE_BYTES]
    if len(sample) < 4 or len(sample) % 2:
        return None
    even, odd = sample[0::2], sample[1::2]
    if odd.count(0) >= 0.9 * len(odd) and even.count(0) == 0:
        return "utf-16-le"
    if even.count(0) >= 0.9 * len(even) and odd.count(0) == 0:
        return "utf-16-be"
    return None


def _text_with(data: bytes, encoding: str) -> str | None:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        return None


def _looks_binary(text: str) -> bool:
    """Text with NUL characters or more than a few control characters is not a CSV."""
    sample = text[:SAMPLE_BYTES]
    controls = sum(1 for char in sample if ord(char) < 32 and char not in "\t\r\n")
    return "\x00" in sample or controls > MOST_CONTROL_SHARE * max(len(sample), 1)


def decode(data: bytes) -> DecodedText:
    """The text of an uploaded file; `UploadRejected` for a file that is not text."""
    for signature, what in SIGNATURES:
        if data.startswith(signature):
            raise UploadRejected(
                f"This file is {what}, not a CSV file. Save it as CSV (comma-separated) and upload that."
            )
    for bom, encoding in BOMS:
        if data.startswith(bom):
            text = _text_with(data, encoding)
            if text is None:
                raise UploadRejected(f"The file starts like {encoding.upper()} text but could not be read as such.")
            return DecodedText(text, "utf-16" if encoding == "utf-16" else encoding)
    candidates = [found] if (found := _utf16_without_bom(data)) else []
    for encoding in (*candidates, "utf-8", "cp1252", "latin-1"):
        text = _text_with(data, encoding)
        if text is not None and not _looks_binary(text):
            return DecodedText(text, encoding)
    raise UploadRejected("The file could not be read as text: it does not look like a CSV file.")
