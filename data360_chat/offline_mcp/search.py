"""Indicator search as a person expects it: everyday words, ranked by relevance, totals before sub-groups.

Ranking is BM25 over each indicator's name (weighted most, its unit part least), topics and definition. Queries
are first expanded with the everyday words people use for indicators ("size of the economy" → GDP, "rising
prices" → inflation, "child mortality" → under-5 mortality). An indicator for a sub-group (female, male, youth,
rural ...) ranks below the total unless the query asks for that group.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass

from data360_chat.offline_mcp.catalogue import UNIT_IN_NAME, Indicator

NAME_WEIGHT = 3.0
UNIT_WEIGHT = 1.0
TOPIC_WEIGHT = 1.0
DEFINITION_WEIGHT = 0.5
K1 = 1.2
B = 0.6
SUBGROUP_PENALTY = 0.75
HEADLINE_BONUS = 1.5
EXPANSION_WEIGHT = 0.8
WORD = re.compile(r"[a-z0-9]+(?:\.[0-9]+)?")

SUBGROUP_WORDS = frozenset({"female", "male", "youth", "rural", "urban", "women", "men", "children", "child"})
STOP_WORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "by",
        "de",
        "for",
        "from",
        "has",
        "have",
        "how",
        "in",
        "is",
        "it",
        "of",
        "on",
        "or",
        "per",
        "the",
        "to",
        "was",
        "what",
        "which",
        "with",
        "show",
        "me",
        "data",
        "country",
        "countries",
        "level",
        "levels",
        "rate",
        "rates",
    ]
)
KEEP_WITH_PER = frozenset({"capita", "person", "head"})

# Everyday phrases → the catalogue's words (phrases are matched on normalised text, longest first).
EVERYDAY = {
    "size of the economy": "gdp current",
    "size of economy": "gdp current",
    "economy size": "gdp current",
    "economic output": "gdp",
    "economy": "gdp",
    "how rich": "gdp per capita",
    "rich": "gdp per capita",
    "wealth": "gdp per capita",
    "wealthy": "gdp per capita",
    "prosperity": "gdp per capita",
    "standard of living": "gdp per capita",
    "living standards": "gdp per capita",
    "purchasing power": "ppp",
    "gross domestic product": "gdp",
    "national income": "gni",
    "economic growth": "gdp growth",
    "growth of the economy": "gdp growth",
    "income per person": "gdp per capita",
    "income per head": "gdp per capita",
    "average income": "gdp per capita",
    "per person": "per capita",
    "per head": "per capita",
    "carbon dioxide": "co2",
    "carbon emissions": "co2 emissions",
    "carbon footprint": "co2 emissions per capita",
    "carbon": "co2",
    "greenhouse": "greenhouse gas emissions",
    "rising prices": "inflation consumer prices",
    "price increases": "inflation consumer prices",
    "cost of living": "inflation consumer prices",
    "prices": "inflation consumer prices",
    "cpi": "inflation consumer prices",
    "inflation": "inflation consumer prices",
    "money supply": "broad money",
    "stock market": "market capitalization listed domestic companies",
    "trade": "merchandise trade",
    "government spending": "expense",
    "public spending": "expense",
    "working age": "population ages 15 64",
    "teen pregnancy": "teenage mothers",
    "teenage pregnancy": "teenage mothers",
    "fresh water": "freshwater",
    "water": "freshwater",
    "child mortality": "mortality under 5",
    "children dying": "mortality under 5",
    "child deaths": "mortality under 5",
    "infant deaths": "mortality infant",
    "baby deaths": "mortality infant",
    "jobless": "unemployment",
    "joblessness": "unemployment",
    "out of work": "unemployment",
    "unemployed": "unemployment",
    "military spending": "military expenditure",
    "defence spending": "military expenditure",
    "defense spending": "military expenditure",
    "defence budget": "military expenditure",
    "defense budget": "military expenditure",
    "arms spending": "military expenditure",
    "urbanisation": "urban population total",
    "urbanization": "urban population total",
    "living in cities": "urban population total",
    "city dwellers": "urban population total",
    "inequality": "gini index",
    "income gap": "gini index",
    "lifespan": "life expectancy",
    "longevity": "life expectancy",
    "how long people live": "life expectancy",
    "inhabitants": "population total",
    "number of people": "population total",
    "how many people": "population total",
    "women": "women female",
    "woman": "women female",
    "girls": "female",
    "men": "male",
    "boys": "male",
    "headcount": "population total",
    "exports": "exports goods services",
    "imports": "imports goods services",
    "poverty": "poverty headcount day",
    "poor": "poverty headcount day",
    "extreme poverty": "poverty headcount",
    "poverty rate": "poverty headcount",
    "mobile phones": "mobile cellular subscriptions",
    "cell phones": "mobile cellular subscriptions",
    "electricity access": "access electricity",
    "power access": "access electricity",
    "renewables": "renewable energy consumption",
    "clean energy": "renewable energy consumption",
    "green energy": "renewable energy consumption",
    "smog": "pm2.5 air pollution",
    "air quality": "pm2.5 air pollution",
    "murder": "intentional homicides",
    "murders": "intentional homicides",
    "homicide": "intentional homicides",
    "crime": "intentional homicides",
    "births per woman": "fertility rate total",
    "babies per woman": "fertility rate total",
    "children per woman": "fertility rate total",
    "schooling": "school enrollment",
    "school attendance": "school enrollment",
    "enrolment": "enrollment",
    "public debt": "central government debt",
    "government debt": "central government debt",
    "national debt": "central government debt",
    "foreign investment": "foreign direct investment",
    "fdi": "foreign direct investment",
    "money sent home": "personal remittances",
    "foreign aid": "net official development assistance",
    "development aid": "net official development assistance",
    "aid": "official development assistance",
    "oda": "official development assistance",
    "research spending": "research development expenditure",
    "r d": "research development",
    "deforestation": "forest area",
    "forests": "forest area",
    "trees": "forest area",
    "women in parliament": "seats held women national parliaments",
    "female politicians": "seats held women national parliaments",
    "reading": "literacy",
    "tb": "tuberculosis",
    "obesity": "overweight",
    "hunger": "undernourishment",
    "malnutrition": "undernourishment",
    "elderly": "population ages 65 above",
    "old people": "population ages 65 above",
    "ageing": "population ages 65 above",
    "aging": "population ages 65 above",
    "taxes": "tax revenue",
    "internet": "broadband internet",
    "broadband": "fixed broadband subscriptions",
    "healthcare": "health",
    "education spending": "government expenditure education",
    "spending on education": "government expenditure education",
    "women working": "labor force participation female",
    "labour": "labor",
    "workforce": "labor force",
    "work force": "labor force",
    "maternal deaths": "maternal mortality",
    "mothers dying": "maternal mortality",
}
EVERYDAY_PHRASES = sorted(EVERYDAY, key=lambda phrase: -len(phrase.split()))


def normalize(text: str) -> str:
    """Lowercase ASCII with punctuation reduced to spaces (dots inside numbers such as `2.5` kept)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return " ".join(WORD.findall(ascii_text.replace("-", " ")))


def stem(word: str) -> str:
    """A crude English stem: plural endings dropped."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def terms(text: str) -> list[str]:
    """Stemmed search terms of a text, stop words removed."""
    return [stem(word) for word in normalize(text).split() if word not in STOP_WORDS]


def expand(query: str) -> tuple[list[str], list[str]]:
    """The query's own terms, and the terms its everyday phrases stand for."""
    text = f" {normalize(query)} "
    added: list[str] = []
    for phrase in EVERYDAY_PHRASES:
        if f" {phrase} " in text:
            added.extend(terms(EVERYDAY[phrase]))
            text = text.replace(f" {phrase} ", " _ ")
    return [word for word in terms(text) if word != "_"], added


@dataclass
class _Document:
    indicator: Indicator
    weights: Counter[str]
    length: float
    name_terms: set[str]
    headline: set[str]
    title_terms: set[str]  # name and topics: a match only in the definition is not enough


class IndicatorIndex:
    """BM25 over a catalogue's indicators."""

    def __init__(self, indicators: list[Indicator]) -> None:
        self._documents = [self._document(indicator) for indicator in indicators]
        count = len(self._documents) or 1
        self._average_length = sum(doc.length for doc in self._documents) / count
        frequency: Counter[str] = Counter()
        for doc in self._documents:
            frequency.update(doc.weights.keys())
        self._idf = {term: math.log(1 + (count - n + 0.5) / (n + 0.5)) for term, n in frequency.items()}

    @staticmethod
    def _document(indicator: Indicator) -> _Document:
        unit = UNIT_IN_NAME.search(indicator.name)
        head = indicator.name[: unit.start()] if unit else indicator.name
        weights: Counter[str] = Counter()
        for text, weight in (
            (head, NAME_WEIGHT),
            (unit.group(0) if unit else "", UNIT_WEIGHT),
            (" ".join(indicator.topics), TOPIC_WEIGHT),
            (indicator.definition[:400], DEFINITION_WEIGHT),
        ):
            for term in terms(text):
                weights[term] += weight
        headline = set(terms(head)) - {"total"}
        name_terms = set(terms(indicator.name))
        title_terms = name_terms | set(terms(" ".join(indicator.topics)))
        return _Document(indicator, weights, sum(weights.values()), name_terms, headline, title_terms)

    def _score(self, doc: _Document, query: Counter[str]) -> float:
        score = 0.0
        norm = K1 * (1 - B + B * doc.length / self._average_length)
        for term, weight in query.items():
            tf = doc.weights.get(term)
            if tf:
                score += weight * self._idf[term] * tf * (K1 + 1) / (tf + norm)
        return score

    def search(self, query: str) -> list[tuple[Indicator, float]]:
        """Indicators matching the query, best first, with their scores."""
        own, added = expand(query)
        weighted: Counter[str] = Counter()
        for term in own:
            weighted[term] += 1.0
        for term in added:
            weighted[term] = max(weighted[term], EXPANSION_WEIGHT)
        if not weighted:
            return []
        asked = set(weighted)
        results = []
        for doc in self._documents:
            if not asked & doc.title_terms:
                continue
            score = self._score(doc, weighted)
            coverage = len(asked & doc.name_terms) / len(asked)
            score *= 0.5 + coverage
            if doc.headline and doc.headline <= asked:
                score *= HEADLINE_BONUS
            if (doc.name_terms & SUBGROUP_WORDS) - asked:
                score *= SUBGROUP_PENALTY
            results.append((doc.indicator, score))
        results.sort(key=lambda pair: (-pair[1], pair[0].name))
        return results
