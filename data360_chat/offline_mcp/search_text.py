"""Words to search terms: lowercase ASCII, number words as digits, stop words dropped, Snowball (Porter2) stems.

The same function turns indicator texts and questions into terms, so "dying", "die" and "died" meet, and so do
"five" and "5" or "women" and "woman".
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import Stemmer

WORD = re.compile(r"[a-z0-9]+(?:\.[0-9]+)?")

# Words that name no topic; "level", "data", "total" and "number" neither: any indicator is one.
STOP_WORDS = frozenset(
    "a about all an and any are as at be been being by can could de did do does for from get got "  # noqa: SIM905
    "had has have how i if in into is it its me my of on or our show so than that the their them there these they this "
    "those to us was we were what when where which who whose why will with would you your data country countries "
    "level levels figure figures amount statistics stats trend trends much many compare compared comparing "
    "comparison vs versus between across among total overall number each every".split()
)

# Forms Snowball leaves apart from their base word, British spellings, and words whose stem would mislead
# ("AIDS" is no "aid"; a "kid" is a "child", the catalogue's word).
IRREGULAR = {
    "women": "woman",
    "men": "man",
    "children": "child",
    "kids": "child",
    "kid": "child",
    "aids": "hiv",
    "spent": "spend",
    "sent": "send",
    "lent": "lend",
    "easy": "ease",
    "easier": "ease",
    "died": "die",
    "dead": "die",
    "bought": "buy",
    "sold": "sell",
    "paid": "pay",
    "grew": "grow",
    "grown": "grow",
    "fled": "flee",
    "owed": "owe",
    "lives": "live",
    "born": "birth",
    "labour": "labor",
    "enrolment": "enrollment",
    "enrolments": "enrollment",
    "fertiliser": "fertilizer",
    "fertilisers": "fertilizer",
    "defence": "defense",
    "programme": "program",
    "programmes": "program",
    "organisation": "organization",
    "urbanisation": "urbanization",
    "immunisation": "immunization",
    "anaemia": "anemia",
    "capitalisation": "capitalization",
    "metres": "meters",
    "metre": "meter",
    "kilometres": "kilometers",
    "kilometre": "kilometer",
}
NUMBER_WORDS = {
    "one": "1",
    "two": "2",
    "three": "3",
    "four": "4",
    "five": "5",
    "six": "6",
    "seven": "7",
    "eight": "8",
    "nine": "9",
    "ten": "10",
    "twelve": "12",
    "fifteen": "15",
    "twenty": "20",
    "forty": "40",
    "sixty": "60",
    "hundred": "100",
    "thousand": "1000",
    "million": "1000000",
}
_STEMMER = Stemmer.Stemmer("english")


def normalize(text: str) -> str:
    """Lowercase ASCII words: "can't" → "can not", "Kenya's" → "kenya", "1,000" → "1000", "$3.00" → "3"; dots
    inside numbers such as `2.5` kept."""
    ascii_text = unicodedata.normalize("NFKD", text.replace("\u2019", "'")).encode("ascii", "ignore").decode().lower()
    ascii_text = re.sub(r"'s\b", "", ascii_text.replace("can't", "can not"))  # "Kenya's" → "Kenya"
    ascii_text = re.sub(r"n't\b", " not", ascii_text).replace("'", "")
    ascii_text = re.sub(r"(?<=\d),(?=\d{3})", "", ascii_text)
    ascii_text = re.sub(r"(?<=\d)\.0+\b", "", ascii_text)
    return " ".join(WORD.findall(ascii_text.replace("-", " ").replace("&", " and ")))


@lru_cache(maxsize=50_000)
def stem(word: str) -> str:
    """The search term of one normalised word."""
    word = NUMBER_WORDS.get(word, word)
    word = IRREGULAR.get(word, word)
    return _STEMMER.stemWord(word) if word.isalpha() else word


def terms(text: str) -> list[str]:
    """Search terms of a text, in order, stop words removed."""
    return [stem(word) for word in normalize(text).split() if word not in STOP_WORDS]
