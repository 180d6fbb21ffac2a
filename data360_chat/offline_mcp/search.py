"""Indicator search as a person expects it: everyday words, ranked by relevance, totals before sub-groups.

A question is cut into concepts ("kids" · "dying" · "age five"), each with the catalogue words it stands for
(`vocabulary`: child · mortality | death · under 5); a word neither the catalogue nor the vocabulary knows meets
the catalogue words it begins like ("industrialised" → industry). Each concept scores an indicator by BM25 over
its name (weighted most, its unit part least), the subject its definition names ("Under-five mortality rate is
..."), topics and definition, taking the best of the concept's own words and what it stands for, so a synonym
never counts twice. Indicators whose name covers more of the concepts rank higher (a match in the definition alone
needs two of them); an indicator for a sub-group (female, male, youth, rural ...) ranks below its total unless the
question asks for that group; among near ties the most widely published indicator comes first.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field

from data360_chat.offline_mcp.catalogue import UNIT_IN_NAME, Indicator
from data360_chat.offline_mcp.search_text import terms
from data360_chat.offline_mcp.vocabulary import Phrase, Vocabulary, abbreviations, everyday_words

NAME_WEIGHT = 3.0
SUBJECT_WEIGHT = 2.0
UNIT_WEIGHT = 1.0
TOPIC_WEIGHT = 1.0
DEFINITION_WEIGHT = 0.5
DEFINITION_CHARS = 400
K1 = 1.2
B = 0.6
SUBGROUP_PENALTY = 0.75
HEADLINE_BONUS = 1.5
EXPANSION_WEIGHT = 0.8
UNCOVERED = 0.25
POPULARITY = 0.2
PREFIX = 5  # an unknown word meets catalogue words that share at least this much of their beginning

SUBGROUP_TERMS = frozenset(terms("female male youth rural urban woman man child"))
DEFAULT_TERMS = frozenset(terms("adult"))  # "Literacy rate, adult total" is the literacy rate
# "Under-five mortality rate is the probability ..." → "Under-five mortality rate".
SUBJECT = re.compile(r"^(.{3,80}?)\s+(?:is|are|refers? to|measures?|comprises?|includes?|consists? of)\s", re.I)


@dataclass
class _Document:
    indicator: Indicator
    weights: Counter[str]  # term → its weighted count over the fields
    length: float
    name_terms: frozenset[str]
    headline: frozenset[str]  # the name without its unit: "GDP" of "GDP (current US$)"
    title_terms: frozenset[str]  # name, subject and topics: a match only in the definition counts for less
    subgroups: frozenset[str] = frozenset()  # its sub-group words, when the catalogue has a wider version
    prior: float = 1.0  # widely published indicators first among near ties
    scores: dict[str, float] = field(default_factory=dict)  # term → BM25


@dataclass(frozen=True)
class _Concept:
    own: Phrase
    meanings: tuple[Phrase, ...]

    @property
    def every(self) -> frozenset[str]:
        return frozenset(self.own).union(*self.meanings)


def _shared_start(one: str, other: str) -> int:
    """How many first letters two words share."""
    shared = 0
    for a, b in zip(one, other, strict=False):
        if a != b:
            break
        shared += 1
    return shared


def _subject(definition: str) -> str:
    match = SUBJECT.match(definition)
    return match.group(1) if match else ""


def _document(indicator: Indicator) -> _Document:
    unit = UNIT_IN_NAME.search(indicator.name)
    head = indicator.name[: unit.start()] if unit else indicator.name
    subject = _subject(indicator.definition)
    weights: Counter[str] = Counter()
    for text, weight in (
        (head, NAME_WEIGHT),
        (subject, SUBJECT_WEIGHT),
        (unit.group(0) if unit else "", UNIT_WEIGHT),
        (" ".join(indicator.topics), TOPIC_WEIGHT),
        (indicator.definition[:DEFINITION_CHARS], DEFINITION_WEIGHT),
    ):
        for term in terms(text):
            weights[term] += weight
    name_terms = frozenset(terms(indicator.name))
    headline = frozenset(terms(head)) - DEFAULT_TERMS
    title_terms = name_terms | frozenset(terms(f"{subject} {' '.join(indicator.topics)}"))
    return _Document(indicator, weights, sum(weights.values()), name_terms, headline, title_terms)


class IndicatorIndex:
    """BM25 over a catalogue's indicators, queried by concepts; term scores are computed once, at start."""

    def __init__(self, indicators: list[Indicator]) -> None:
        self._documents = [_document(indicator) for indicator in indicators]
        self._postings: dict[str, list[_Document]] = {}
        for doc in self._documents:
            for term in doc.weights:
                self._postings.setdefault(term, []).append(doc)
        self._by_prefix: dict[str, list[str]] = {}
        for term in self._postings:
            self._by_prefix.setdefault(term[:PREFIX], []).append(term)
        self._score_terms()
        self._mark_subgroups()
        self._set_priors()
        texts = [f"{indicator.name}. {indicator.definition}" for indicator in indicators]
        self._vocabulary = Vocabulary({**abbreviations(texts), **everyday_words()}, self._postings)

    def _score_terms(self) -> None:
        count = len(self._documents) or 1
        average = sum(doc.length for doc in self._documents) / count or 1.0
        for term, docs in self._postings.items():
            idf = math.log(1 + (count - len(docs) + 0.5) / (len(docs) + 0.5))
            for doc in docs:
                tf = doc.weights[term]
                doc.scores[term] = idf * tf * (K1 + 1) / (tf + K1 * (1 - B + B * doc.length / average))

    def _mark_subgroups(self) -> None:
        """Mark "Unemployment, female" as a sub-group of "Unemployment, total"; "Repeaters, female" has no total."""
        families: dict[frozenset[str], list[_Document]] = {}
        for doc in self._documents:
            families.setdefault(doc.headline - SUBGROUP_TERMS, []).append(doc)
        for family in families.values():
            for doc in family:
                groups = doc.headline & SUBGROUP_TERMS
                if any(other.headline & SUBGROUP_TERMS < groups for other in family):
                    doc.subgroups = groups

    def _set_priors(self) -> None:
        """Up to POPULARITY more for the indicators with the most observations: the headline series of a topic
        ("Military expenditure (% of GDP)", "GDP per capita (current US$)") are the most widely published."""
        counts = [sum(len(years) for years, _ in doc.indicator.series.values()) for doc in self._documents]
        most = math.log1p(max(counts, default=0)) or 1.0
        for doc, count in zip(self._documents, counts, strict=True):
            doc.prior = 1 + POPULARITY * math.log1p(count) / most

    def _kin(self, term: str) -> tuple[Phrase, ...]:
        """Catalogue terms that share the beginning of a word the catalogue lacks: "industrialis" → "industri",
        "electrif" → "electr", "tourist" → "tourism" (what Snowball leaves apart)."""
        return tuple(
            (other,)
            for other in self._by_prefix.get(term[:PREFIX], ())
            if _shared_start(term, other) >= min(len(term), len(other)) - 1
        )

    def _concepts(self, query: str) -> list[_Concept]:
        """The query's concepts that the catalogue knows some word of (or a word's kin)."""
        found = []
        for own, meanings in self._vocabulary.concepts(query):
            kin = tuple(kin for term in own if term not in self._postings for kin in self._kin(term))
            concept = _Concept(own, meanings or kin)
            if any(term in self._postings for term in concept.every):
                found.append(concept)
        return found

    @staticmethod
    def _phrase_score(doc: _Document, phrase: Phrase) -> float:
        """BM25 of a phrase's terms, scaled down for long phrases and for the share of its words missing."""
        if not phrase:
            return 0.0
        scores = [doc.scores.get(term, 0.0) for term in phrase]
        found = sum(1 for score in scores if score)
        return sum(scores) / math.sqrt(len(phrase)) * found / len(phrase)

    def _concept_score(self, doc: _Document, concept: _Concept) -> float:
        """The best of the concept's own words and (a little less) of what it stands for."""
        meant = max((self._phrase_score(doc, phrase) for phrase in concept.meanings), default=0.0)
        return max(self._phrase_score(doc, concept.own), EXPANSION_WEIGHT * meant)

    def search(self, query: str) -> list[tuple[Indicator, float]]:
        """Indicators matching the query, best first, with their scores."""
        concepts = self._concepts(query)
        asked = frozenset().union(*(concept.every for concept in concepts))
        candidates = {id(doc): doc for term in asked for doc in self._postings.get(term, ())}
        results = []
        for doc in candidates.values():
            scores = [self._concept_score(doc, concept) for concept in concepts]
            covered = sum(1 for concept in concepts if concept.every & doc.title_terms)
            if not covered and sum(1 for score in scores if score) < 2:
                continue  # one word met in a definition only ("write" in literacy's) is no match
            score = sum(scores)
            score *= UNCOVERED + covered / len(concepts)
            if covered >= len(concepts) - 1 and doc.headline and doc.headline <= asked:
                score *= HEADLINE_BONUS
            if doc.subgroups - asked:
                score *= SUBGROUP_PENALTY
            results.append((doc.indicator, score * doc.prior))
        results.sort(key=lambda pair: (-pair[1], pair[0].name))
        return results
