"""The usage aggregates against a real PostgreSQL, over a history written with SQL: each number is checked."""

from __future__ import annotations

from datetime import date

import pytest

from data360_chat.admin import usage
from data360_chat.admin.dashboards import DASHBOARDS, overview, status_label
from data360_chat.admin.periods import BadRange, DateRange, default_range, parse_range
from tests.support.usage_seed import seed_usage


def _by_day(rows: list[dict], day: str) -> dict:
    return next(row for row in rows if row["day"].isoformat() == day)


async def test_the_dashboards_count_what_happened_in_the_range(database):
    seeded = await seed_usage(database)
    older, newer = seeded.days
    async with database.session() as session:
        seen = await overview(session, default_range())
    tables = seen.tables
    assert len(tables["activity"]) == 30
    assert {k: v for k, v in _by_day(tables["activity"], older).items() if k != "day"} == {
        "questions": 3,
        "active_users": 1,
    }
    assert _by_day(tables["activity"], newer)["questions"] == 3
    assert _by_day(tables["activity"], newer)["active_users"] == 2
    assert (seen.figures["questions"], seen.figures["active_users"], seen.figures["answers"]) == (6, 2, 6)

    models = {row["model"]: row for row in tables["models"]}
    assert models["gpt-4o"]["answers"] == 3
    assert (models["gpt-4o"]["prompt_tokens"], models["gpt-4o"]["completion_tokens"]) == (3000, 600)
    assert models["gpt-4o"]["cost_usd"] == pytest.approx(3000 * 2.5e-6 + 600 * 1e-5)
    assert models["offline model (free)"]["cost_usd"] == 0
    assert models["mystery/model-x"]["cost_usd"] == "unknown"
    assert seen.figures["cost_complete"] is False

    timing = _by_day(tables["timings"], older)
    assert (timing["first_token_p50"], timing["first_token_p95"]) == (200, 290)
    assert (timing["answer_p50"], timing["answer_p95"]) == (2000, 2900)
    assert _by_day(tables["timings"], newer)["first_token_p50"] == 500

    tools = {row["tool"]: row for row in tables["tools"]}
    assert (tools["data360_get_data"]["calls"], tools["data360_get_data"]["failures"]) == (3, 1)
    assert tools["data360_get_data"]["p50_ms"] == 200
    assert tools["data360_search_indicators"]["calls"] == 1

    assert {row["status"]: row["answers"] for row in tables["statuses"]} == {"complete": 4, "error": 1, "cancelled": 1}
    assert (seen.figures["up"], seen.figures["down"]) == (2, 1)
    assert [row["comment"] for row in tables["comments"]] == [seeded.comment]
    assert tables["comments"][0]["message_id"] == seeded.answer_id
    assert seen.figures["grounded_share"] == pytest.approx(5 / 6)
    assert tables["indicators"] == [
        {"indicator": "WB_WDI_SP_POP_TOTL", "calls": 2},
        {"indicator": "WB_WDI_NY_GDP_MKTP_CD", "calls": 1},
    ]
    assert tables["countries"] == [{"country": "KEN", "calls": 3}, {"country": "TZA", "calls": 1}]


async def test_a_range_that_holds_only_the_older_day_sees_only_it(database):
    await seed_usage(database)
    long_ago = default_range().end.toordinal() - 40
    period = DateRange(date.fromordinal(long_ago), date.fromordinal(long_ago))
    async with database.session() as session:
        rows, total = await usage.activity_and_total(session, period)
        assert rows == [{"day": period.start, "questions": 5, "active_users": 1}]
        assert total == {"day": None, "questions": 5, "active_users": 1}
        assert (await usage.timings_and_total(session, period))[1]["answer_p50"] == 99999
        assert await usage.tools(session, period) == []
        for dashboard in DASHBOARDS.values():
            await dashboard.rows(session, period)


def test_statuses_without_a_label_show_as_they_are():
    assert status_label("cut_off") == "Cut off"
    assert status_label("complete") == "Complete"
    assert status_label("moderated_later") == "moderated_later"


def test_bad_dates_are_refused_with_a_reason():
    with pytest.raises(BadRange, match="2026-01-31"):
        parse_range("31/01/2026", "")
    with pytest.raises(BadRange, match="after"):
        parse_range("2026-02-01", "2026-01-01")
    assert parse_range("", "").days == 30


async def test_a_range_without_use_shows_zeros_and_no_figures_to_divide(database):
    async with database.session() as session:
        seen = await overview(session, default_range())
    assert all(row["questions"] == 0 for row in seen.tables["activity"]) and len(seen.tables["activity"]) == 30
    assert (seen.figures["questions"], seen.figures["active_users"], seen.figures["answers"]) == (0, 0, 0)
    assert seen.figures["up_share"] is None and seen.figures["grounded_share"] is None
    assert seen.figures["first_token_p50"] is None
