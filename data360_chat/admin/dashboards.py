"""The dashboards of the admin area by name: each one's title and rows (usage aggregates with prices and labels
added), and the figures across the whole range shown above them."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from data360_chat.admin import usage
from data360_chat.admin.periods import DateRange
from data360_chat.admin.prices import cost_of, model_label

STATUS_LABELS = {
    "complete": "Complete",
    "cut_off": "Cut off",
    "too_long": "Too long",
    "filtered": "Filtered",
    "error": "Error",
    "cancelled": "Cancelled",
    "streaming": "Being written",
}


def status_label(status: str) -> str:
    """How an answer's status reads on the dashboards; a status without a label shows as it is."""
    return STATUS_LABELS.get(status, status)


async def _models(session: AsyncSession, period: DateRange) -> usage.Rows:
    rows = []
    for row in await usage.models(session, period):
        cost = cost_of(row["model"], row["prompt_tokens"], row["completion_tokens"])
        rows.append(
            {
                "model": model_label(row["model"]) or "(not recorded)",
                "answers": row["answers"],
                "prompt_tokens": row["prompt_tokens"],
                "completion_tokens": row["completion_tokens"],
                "cost_usd": round(cost, 6) if cost is not None else "unknown",
            }
        )
    return rows


async def _statuses(session: AsyncSession, period: DateRange) -> usage.Rows:
    return [
        {"status": row["status"], "label": status_label(row["status"]), "answers": row["answers"]}
        for row in await usage.statuses(session, period)
    ]


@dataclass(frozen=True)
class Dashboard:
    """A named set of rows over a date range."""

    title: str
    rows: Callable[[AsyncSession, DateRange], Awaitable[usage.Rows]]


DASHBOARDS: dict[str, Dashboard] = {
    "activity": Dashboard("Questions and active users per day", usage.activity),
    "models": Dashboard("Tokens and estimated cost by model", _models),
    "timings": Dashboard("Time to first token and answer time", usage.timings),
    "tools": Dashboard("Tool calls, failures and latency", usage.tools),
    "statuses": Dashboard("Answers by status", _statuses),
    "feedback": Dashboard("Feedback per day", usage.feedback),
    "comments": Dashboard("Latest feedback comments", usage.comments),
    "grounding": Dashboard("Numbers found in the data", usage.grounding),
    "indicators": Dashboard("Most asked indicators", usage.indicators),
    "countries": Dashboard("Most asked countries", usage.countries),
}


@dataclass(frozen=True)
class Overview:
    """Every dashboard's rows and the whole range's figures."""

    tables: dict[str, usage.Rows]
    figures: dict[str, Any]


def _figures(tables: dict[str, usage.Rows], asked: dict[str, Any], timing: dict[str, Any]) -> dict[str, Any]:
    up = sum(row["up"] for row in tables["feedback"])
    down = sum(row["down"] for row in tables["feedback"])
    numbers = sum(row["numbers"] for row in tables["grounding"])
    grounded = sum(row["grounded"] for row in tables["grounding"])
    costs = [row["cost_usd"] for row in tables["models"]]
    known = [cost for cost in costs if cost != "unknown"]
    return {
        "questions": asked["questions"],
        "active_users": asked["active_users"],
        "answers": sum(row["answers"] for row in tables["statuses"]),
        "up": up,
        "down": down,
        "up_share": up / (up + down) if up + down else None,
        "numbers": numbers,
        "grounded_share": grounded / numbers if numbers else None,
        "cost_usd": sum(known),
        "cost_complete": len(known) == len(costs),
        "first_token_p50": timing["first_token_p50"],
        "answer_p50": timing["answer_p50"],
    }


async def overview(session: AsyncSession, period: DateRange) -> Overview:
    """All dashboards over the range (the daily ones with their whole-range row, each in one query)."""
    tables: dict[str, usage.Rows] = {}
    tables["activity"], asked = await usage.activity_and_total(session, period)
    tables["timings"], timing = await usage.timings_and_total(session, period)
    for name, dashboard in DASHBOARDS.items():
        if name not in tables:
            tables[name] = await dashboard.rows(session, period)
    return Overview(tables, _figures(tables, asked, timing))
