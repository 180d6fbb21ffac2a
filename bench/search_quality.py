"""Quality and cost of indicator search: top-1 and top-3 on the held-out everyday questions, query latency.

    PYTHONPATH=. .venv/bin/python bench/search_quality.py [FULL_BUNDLE_FOLDER]

Runs the offline server's `IndicatorIndex` in process on the full 325-indicator bundle (every question) and on the
built-in core bundle (the questions whose indicator it holds). A question counts when an indicator it accepts is
first (top-1) or among the first three results (top-3). Targets: held-out top-3 at least 95% on each bundle; a
median query under 5 ms.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

from data360_chat.offline_mcp.catalogue import load_catalogue
from data360_chat.offline_mcp.search import IndicatorIndex
from data360_chat.settings import BUNDLED_DATA
from tests.offline_mcp.search_pairs import SEARCH_PAIRS, HeldOut, held_out_questions

FULL_BUNDLE = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("/work/shared/data/wdi")


def score(index: IndicatorIndex, questions: list[HeldOut]) -> tuple[float, float, list[float]]:
    """Top-1 and top-3 shares, and each query's time in ms."""
    first = three = 0
    times = []
    for question in questions:
        started = time.perf_counter()
        top = [indicator.code for indicator, _ in index.search(question.question)[:3]]
        times.append((time.perf_counter() - started) * 1000)
        first += bool(top) and top[0] in question.accept
        three += bool(set(top) & question.accept)
    return first / len(questions), three / len(questions), times


def report(label: str, bundle: Path) -> None:
    catalogue = load_catalogue(bundle)
    started = time.perf_counter()
    index = IndicatorIndex(list(catalogue.indicators.values()))
    build_ms = (time.perf_counter() - started) * 1000
    codes = {indicator.code for indicator in catalogue.indicators.values()}
    held_out = [question.within(codes) for question in held_out_questions() if question.accept & codes]
    development = [
        HeldOut(query, 0, frozenset([code] if isinstance(code, str) else code)) for query, code in SEARCH_PAIRS
    ]
    development = [question.within(codes) for question in development if question.accept & codes]
    print(f"{label}: index built in {build_ms:.0f} ms")
    times: list[float] = []
    for name, questions in (
        ("held-out, set 1", [question for question in held_out if question.set == 1]),
        ("held-out, set 2", [question for question in held_out if question.set == 2]),
        ("held-out, all", held_out),
        ("development", development),
    ):
        top1, top3, spent = score(index, questions)
        times += spent
        print(f"  {name:16s} {len(questions):4d} questions   top-1 {top1:6.1%}   top-3 {top3:6.1%}")
    times.sort()
    print(
        f"  query latency over {len(times)} queries: median {statistics.median(times):.2f} ms, "
        f"p95 {times[int(len(times) * 0.95)]:.2f} ms, max {times[-1]:.2f} ms"
    )


def main() -> None:
    for label, bundle in (("full (325 indicators)", FULL_BUNDLE), ("core (35 indicators)", BUNDLED_DATA)):
        if bundle.is_dir():
            report(label, bundle)
        else:
            print(f"{label}: {bundle} not found, skipped")


if __name__ == "__main__":
    main()
