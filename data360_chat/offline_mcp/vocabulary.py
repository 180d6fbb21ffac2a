"""What people say → the words the catalogue uses: a curated everyday map plus synonyms read from the catalogue.

People ask for "army spending" or "kids dying before age five"; WDI names "Military expenditure" and "Mortality
rate, under-5". The curated map holds the everyday words and idioms, each pointing at catalogue words (not at an
indicator, so one entry serves every indicator that uses the word). The catalogue adds its own synonyms: every
abbreviation it spells out ("official development assistance (ODA)") works both ways.

Keys are matched on stems, so "kid", "kids" and "kid's" are one key; the meanings are catalogue words, "|"
between alternatives ("expenditure | expense").
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from pathlib import Path

from data360_chat.offline_mcp.search_text import STOP_WORDS, normalize, stem, terms

EVERYDAY_FILE = Path(__file__).with_name("everyday_words.json")


def everyday_words() -> dict[str, str]:
    """The curated map of everyday words and idioms to catalogue words (`everyday_words.json`)."""
    topics = json.loads(EVERYDAY_FILE.read_text(encoding="utf-8"))["topics"]
    return {phrase: meaning for entries in topics.values() for phrase, meaning in entries.items()}


ABBREVIATION = re.compile(r"\(([A-Z][A-Za-z&]{1,7})\)")
# Words a phrase can do without; "how", "many", "out", "not", "per", "over" ... make idioms and stay.
GLUE_WORDS = frozenset(
    "a an the is are was were be been being do does did to of in on at for by with from that this "  # noqa: SIM905
    "these those it its their there which what who whose will would can could should shall may might must have "
    "has had i me my we our you your they them he she his her country countries nation nations".split()
)
LINK_WORDS = frozenset({"and", "of", "for", "in", "the", "on", "to"})


def _initials(words: list[str]) -> str:
    return "".join(word[0] for word in words if word not in LINK_WORDS)


def abbreviations(texts: Iterable[str]) -> dict[str, str]:
    """Abbreviations a catalogue spells out, both ways: "purchasing power parity (PPP)" → ppp ↔ the words."""
    found: dict[str, str] = {}
    for text in texts:
        for match in ABBREVIATION.finditer(text):
            short = re.sub(r"(?<=[A-Z])s$", "", match.group(1))  # "ATMs" → "ATM"
            letters = re.sub(r"[^A-Z]", "", short).lower()
            words = re.split(r"[\s,-]+", text[max(0, match.start() - 120) : match.start()].strip().lower())[-8:]
            for start in range(len(words)):
                if words[start] not in LINK_WORDS and _initials(words[start:]) == letters:
                    long_form = " ".join(words[start:])
                    found.setdefault(short.lower(), long_form)
                    found.setdefault(long_form, short.lower())
                    break
    return found


Phrase = tuple[str, ...]


class Vocabulary:
    """Phrases → what they stand for (catalogue phrases, "|" between alternatives); questions read as phrases.

    Phrases are matched on stems without glue words ("a", "is", "of", "do" ...) but with the words that make an
    idiom ("how many", "out of"), so "how long do people live" finds "how long people live". Words that neither
    the catalogue nor any phrase knows (place names, mostly) are skipped: "girls in Mali vs boys" still reads
    "girls vs boys".
    """

    def __init__(self, entries: dict[str, str], known: Iterable[str]) -> None:
        self._map: dict[Phrase, tuple[Phrase, ...]] = {}
        for phrase, meaning in entries.items():
            key = _phrase_key(normalize(phrase).split())
            alternatives = tuple(tuple(terms(part)) for part in meaning.split("|"))
            if key:
                self._map[key] = tuple(dict.fromkeys(self._map.get(key, ()) + alternatives))
        self._longest = max((len(key) for key in self._map), default=0)
        self._known = frozenset(known).union(*self._map)

    def concepts(self, query: str) -> list[tuple[Phrase, tuple[Phrase, ...]]]:
        """The query cut into concepts, longest known phrase first: (its own terms, the phrases it stands for)."""
        words = [(stem(word), word) for word in normalize(query).split() if word not in GLUE_WORDS]
        known = [(key, word) for key, word in words if key in self._known]
        unknown = [((key,), ()) for key, word in words if key not in self._known and word not in STOP_WORDS]
        found: list[tuple[Phrase, tuple[Phrase, ...]]] = []
        position = 0
        while position < len(known):
            for size in range(min(self._longest, len(known) - position), 0, -1):
                key = tuple(key for key, _ in known[position : position + size])
                if key in self._map:
                    own = tuple(terms(" ".join(word for _, word in known[position : position + size])))
                    found.append((own, self._map[key]))
                    break
            else:
                size = 1
                key, word = known[position]
                if word not in STOP_WORDS:
                    found.append(((key,), ()))
            position += size
        return found + unknown


def _phrase_key(words: list[str]) -> Phrase:
    return tuple(stem(word) for word in words if word not in GLUE_WORDS)
