"""The admin area as the pages and routes ask for it. Each function takes the person acting, checks in the
database that they are an active admin (`NotAdmin` otherwise: callers answer as for a page that does not exist),
and returns views ready to show."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from data360_chat.admin import accounts, audit, figures
from data360_chat.admin.accounts import NotAdmin, Refused, acting_admin
from data360_chat.admin.chat_access import ReviewedAnswer, answer_for_review, readable_conversation
from data360_chat.admin.dashboards import DASHBOARDS, overview
from data360_chat.admin.periods import DateRange, parse_range
from data360_chat.admin.usage import Rows
from data360_chat.auth.identity import CurrentUser
from data360_chat.auth.service import get_auth_service
from data360_chat.db.engine import get_database
from data360_chat.repositories.conversations import Conversation

__all__ = ["NotAdmin", "Refused", "is_admin"]
ACTION_LABELS = {
    "grant_admin": "made admin",
    "revoke_admin": "removed admin",
    "disable": "disabled",
    "enable": "enabled",
    "delete": "deleted",
    "export_chat": "exported a chat of",
}


def is_admin(user: CurrentUser | None) -> bool:
    """Whether the signed-in person is an admin (the functions below check the database again)."""
    return user is not None and user.is_admin


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M") if moment is not None else "never"


def _number(value: float | int | None, unit: str = "") -> str:
    return "–" if value is None else f"{value:,.0f}{unit}"


def _seconds(ms: int | None) -> str:
    return "–" if ms is None else f"{ms / 1000:.1f} s"


def _share(value: float | None) -> str:
    return "–" if value is None else f"{value:.0%}"


@dataclass
class UsageView:
    """Everything the dashboards page shows for one range."""

    start: str
    end: str
    kpis: list[dict[str, str]] = field(default_factory=list)
    figures: dict[str, dict[str, Any]] = field(default_factory=dict)
    models: list[dict[str, str]] = field(default_factory=list)
    tools: list[dict[str, str]] = field(default_factory=list)
    comments: list[dict[str, str]] = field(default_factory=list)
    query: str = ""


def _kpis(numbers: dict[str, Any]) -> list[dict[str, str]]:
    cost = f"${numbers['cost_usd']:,.2f}" + ("" if numbers["cost_complete"] else " + unknown")
    ratings = numbers["up"] + numbers["down"]
    return [
        {"label": "Questions", "value": _number(numbers["questions"]), "hint": f"{numbers['answers']:,} answers"},
        {"label": "Active users", "value": _number(numbers["active_users"]), "hint": "asked at least once"},
        {"label": "Estimated cost", "value": cost, "hint": "LiteLLM prices"},
        {
            "label": "First token (p50)",
            "value": _seconds(numbers["first_token_p50"]),
            "hint": f"answer {_seconds(numbers['answer_p50'])}",
        },
        {"label": "Thumbs up", "value": _share(numbers["up_share"]), "hint": f"of {ratings:,} ratings"},
        {"label": "Numbers grounded", "value": _share(numbers["grounded_share"]), "hint": f"of {numbers['numbers']:,}"},
    ]


def _model_row(row: dict[str, Any]) -> dict[str, str]:
    cost = row["cost_usd"]
    return {
        "model": row["model"],
        "answers": f"{row['answers']:,}",
        "tokens": f"{row['prompt_tokens']:,} + {row['completion_tokens']:,}",
        "cost": cost if cost == "unknown" else f"${cost:,.4f}",
    }


def _tool_row(row: dict[str, Any]) -> dict[str, str]:
    failed = row["failures"] / row["calls"] if row["calls"] else 0.0
    return {
        "tool": row["tool"],
        "calls": f"{row['calls']:,}",
        "failures": f"{row['failures']:,} ({failed:.0%})",
        "latency": f"{_number(row['p50_ms'], ' ms')} / {_number(row['p95_ms'], ' ms')}",
    }


def _comment(row: dict[str, Any]) -> dict[str, str]:
    return {
        "at": _when(row["at"]),
        "rating": "up" if row["rating"] > 0 else "down",
        "comment": row["comment"],
        "message_id": str(row["message_id"]),
        "author": row["author"],
    }


async def usage(actor: CurrentUser, start: str = "", end: str = "") -> UsageView:
    """The dashboards over the range (`BadRange` for dates that make none)."""
    period = parse_range(start, end)
    async with get_database().session() as session:
        await acting_admin(session, actor.id)
        seen = await overview(session, period)
    return UsageView(
        start=period.start.isoformat(),
        end=period.end.isoformat(),
        kpis=_kpis(seen.figures),
        figures=figures.all_figures(seen.tables),
        models=[_model_row(row) for row in seen.tables["models"]],
        tools=[_tool_row(row) for row in seen.tables["tools"]],
        comments=[_comment(row) for row in seen.tables["comments"]],
        query=period.query(),
    )


async def table(actor: CurrentUser, name: str, period: DateRange) -> Rows | None:
    """One dashboard's rows (None for an unknown name)."""
    dashboard = DASHBOARDS.get(name)
    async with get_database().session() as session:
        await acting_admin(session, actor.id)
        return await dashboard.rows(session, period) if dashboard is not None else None


@dataclass
class AccountsView:
    """A page of accounts."""

    rows: list[dict[str, Any]]
    total: int
    page: int
    pages: int


async def find_accounts(actor: CurrentUser, query: str = "", page: int = 1) -> AccountsView:
    """Accounts whose email or name contains `query`, a page at a time."""
    async with get_database().session() as session:
        await acting_admin(session, actor.id)
        found = await accounts.list_accounts(session, query, page)
    rows = [
        {
            "id": str(row.id),
            "email": row.email,
            "name": row.display_name,
            "admin": row.is_admin,
            "active": row.is_active,
            "created": _when(row.created_at),
            "last_login": _when(row.last_login_at),
            "chats": f"{row.chats:,}",
            "you": row.id == actor.id,
        }
        for row in found.rows
    ]
    return AccountsView(rows, found.total, found.page, found.pages)


async def change_account(actor: CurrentUser, target_id: str, action: str) -> str:
    """Apply an action to an account; the sentence to show (`Refused` with the reason, `NotAdmin`)."""
    if action not in accounts.ACTIONS:
        raise Refused("Unknown action.")
    try:
        target = uuid.UUID(str(target_id))
    except ValueError:
        raise Refused("That account no longer exists.") from None
    async with get_database().session() as session:
        done = await accounts.change_account(session, actor.id, target, action)  # type: ignore[arg-type]
    if action in ("disable", "delete"):
        await get_auth_service().sessions.end_all(target)  # in Redis or the database, at once
    return done


async def audit_log(actor: CurrentUser) -> list[dict[str, str]]:
    """The newest admin actions."""
    async with get_database().session() as session:
        await acting_admin(session, actor.id)
        entries = await audit.latest(session)
    return [
        {
            "at": _when(entry.at),
            "actor": entry.actor_email,
            "action": ACTION_LABELS.get(entry.action, entry.action),
            "target": entry.target_email,
            "detail": entry.detail,
        }
        for entry in entries
    ]


async def review_answer(actor: CurrentUser, message_id: int) -> ReviewedAnswer | None:
    """An answer someone rated, with its question (None when it is gone)."""
    async with get_database().session() as session:
        return await answer_for_review(session, actor.id, message_id)


async def readable_chat(reader: CurrentUser, chat_id: uuid.UUID) -> Conversation | None:
    """A chat its owner, or an admin, may export; None for anyone else."""
    async with get_database().session() as session:
        return await readable_conversation(session, reader.id, chat_id)
