"""Questions for indicator search: everyday wording and the WDI indicator(s) a person means by it.

`SEARCH_PAIRS` are the development questions (development_questions.json): the ranking and its vocabulary are tuned
on them, and each must bring an accepted indicator into the top 3 of the full 325-indicator catalogue (a tuple
accepts any of its codes). `held_out_questions()` reads held_out_questions.json, which measures the ranking and is
never tuned on.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

HELD_OUT_FILE = Path(__file__).with_name("held_out_questions.json")
DEVELOPMENT_FILE = Path(__file__).with_name("development_questions.json")


@dataclass(frozen=True)
class HeldOut:
    """A question, the set it was written in, and the WDI codes that answer it."""

    question: str
    set: int
    accept: frozenset[str]

    def within(self, codes: set[str]) -> HeldOut:
        """The same question answered only by the codes a bundle holds."""
        return HeldOut(self.question, self.set, self.accept & codes)


@lru_cache(maxsize=1)
def held_out_questions() -> tuple[HeldOut, ...]:
    """Every held-out question, in file order."""
    records = json.loads(HELD_OUT_FILE.read_text(encoding="utf-8"))["questions"]
    return tuple(HeldOut(item["question"], item["set"], frozenset(item["accept"])) for item in records)


def development_questions() -> list[tuple[str, str | tuple[str, ...]]]:
    """The development questions, each with its accepted code (or codes)."""
    sections = json.loads(DEVELOPMENT_FILE.read_text(encoding="utf-8"))["sections"]
    return [
        (question, codes[0] if len(codes) == 1 else tuple(codes))
        for pairs in sections.values()
        for question, codes in pairs
    ]


SEARCH_PAIRS = development_questions()
