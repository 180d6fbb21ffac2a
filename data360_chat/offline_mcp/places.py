"""Country arguments as a model writes them ("KEN", "ke", "Kenya", "Ivory Coast", "USA, China") → bundle codes."""

from __future__ import annotations

import difflib
import re

from data360_chat.geography import REGION_ALIASES, Gazetteer, normalize
from data360_chat.offline_mcp.catalogue import Catalogue

SEPARATORS = re.compile(r"[,;|]+")
SUGGESTIONS = 5


class Places:
    """Resolves country names, ISO2/ISO3 codes, aliases and World Bank aggregate codes."""

    def __init__(self, catalogue: Catalogue) -> None:
        self._names = catalogue.country_names
        self._iso2 = catalogue.iso2
        self._gazetteer = Gazetteer.from_bundle(catalogue.folder / "countries.csv")
        self._by_name = {normalize(name): code for code, name in catalogue.data_names.items()}
        self._by_name.update({normalize(name): code for code, name in self._names.items()})
        self._by_name.update({name: code for name, code in REGION_ALIASES.items() if code in self._names})
        self._codes = set(self._names) | self._gazetteer.codes()

    def name_of(self, code: str) -> str:
        """The display name of a code."""
        return self._names.get(code) or self._gazetteer.name_of(code)

    def resolve_one(self, text: str) -> str | None:
        """The code one country or aggregate stands for, or None."""
        token = text.strip()
        upper = token.upper()
        if len(upper) == 3 and upper.isalpha() and upper in self._codes:
            return upper
        if len(upper) == 2 and upper in self._iso2:
            return self._iso2[upper]
        exact = self._by_name.get(normalize(token))
        if exact:
            return exact
        places = self._gazetteer.find(token)
        return places[0].code if len(places) == 1 else None

    def resolve(self, text: str) -> tuple[list[str], list[str]]:
        """Codes for a comma-separated list, in order and each once, and the parts that matched nothing."""
        codes: list[str] = []
        unknown: list[str] = []
        parts = [piece.strip() for piece in SEPARATORS.split(text) if piece.strip()]
        index = 0
        while index < len(parts):
            joined = self.resolve_one(", ".join(parts[index : index + 2])) if index + 1 < len(parts) else None
            code = joined or self.resolve_one(parts[index])  # "Korea, Rep." is one name
            if code is None:
                unknown.append(parts[index])
            elif code not in codes:
                codes.append(code)
            index += 2 if joined else 1
        return codes, unknown

    def suggestions(self, text: str) -> list[str]:
        """Names containing the words, then close matches, for a name that resolved to nothing, as `CODE (Name)`."""
        wanted = normalize(text)
        containing = [name for name in self._by_name if wanted and f" {wanted} " in f" {name} "]
        close = difflib.get_close_matches(wanted, list(self._by_name), n=SUGGESTIONS, cutoff=0.6)
        codes = dict.fromkeys(self._by_name[name] for name in sorted(containing, key=len) + close)
        return [f"{code} ({self.name_of(code)})" for code in list(codes)[:SUGGESTIONS]]

    def search(self, text: str, limit: int) -> list[dict[str, object]]:
        """Codelist matches for a query (one or several names), best first, with a 0-100 score."""
        matches: list[dict[str, object]] = []
        for part in (piece.strip() for piece in SEPARATORS.split(text)):
            code = self.resolve_one(part) if part else None
            if code:
                matches.append({"id": code, "name": self.name_of(code), "score": 100})
                continue
            for name in difflib.get_close_matches(normalize(part), list(self._by_name), n=limit, cutoff=0.5):
                score = round(100 * difflib.SequenceMatcher(None, normalize(part), name).ratio())
                matches.append({"id": self._by_name[name], "name": self._names[self._by_name[name]], "score": score})
        return matches[:limit]
