"""The admin area as the pages and routes ask for it. Each function takes the person acting, checks in the
database that they are an active admin (`NotAdmin` otherwise: callers answer as for a page that does not exist),
and returns views ready to show."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from data360_chat.admin import accounts, audit, figures
from data360_chat.admin.accounts import NotAdmin, Refused, acting_admin
from data360_chat.admin.chat_access import ReviewedAnswer, answer_for_review, readable_conversation
from data360_chat.admin.dashboards import DASHBOARDS, overview
from data360_chat.admin.periods import BadRange, DateRange, parse_range
from data360_chat.admin.usage import Rows
from data360_chat.auth.identity import CurrentUser
from data360_chat.auth.service import get_auth_service
from data360_chat.db.engine import get_database
from data360_chat.repositories.conversations import Conversation
from data360_chat.web.safe_markdown import safe_markdown

__all__ = ["BadRange", "NotAdmin", "Refused", "is_admin"]
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
class Kpi:
    """One figure over the whole range."""

    label: str = ""
    value: str = ""
    hint: str = ""


@dataclass
class ModelItem:
    """Tokens and cost of one model."""

    model: str = ""
    answers: str = ""
    tokens: str = ""
    cost: str = ""


@dataclass
class ToolItem:
    """Calls, failures and latency of one tool."""

    tool: str = ""
    calls: str = ""
    failures: str = ""
    latency: str = ""


@dataclass
class CommentItem:
    """A rating with a comment, and the answer it is about."""

    at: str = ""
    up: bool = True
    comment: str = ""
    message_id: int = 0
    author: str = ""


@dataclass
class UsageView:
    """Everything the dashboards page shows for one range."""

    start: str
    end: str
    kpis: list[Kpi] = field(default_factory=list)
    figures: dict[str, dict[str, Any]] = field(default_factory=dict)
    models: list[ModelItem] = field(default_factory=list)
    tools: list[ToolItem] = field(default_factory=list)
    comments: list[CommentItem] = field(default_factory=list)
    query: str = ""


def _kpis(numbers: dict[str, Any]) -> list[Kpi]:
    cost = numbers["cost_usd"]
    priced = "from LiteLLM's prices" if numbers["cost_complete"] else "some models unpriced"
    ratings = numbers["up"] + numbers["down"]
    return [
        Kpi("Questions", _number(numbers["questions"]), f"{numbers['answers']:,} answers"),
        Kpi("Active users", _number(numbers["active_users"]), "asked at least once"),
        Kpi("Estimated cost", f"${cost:,.2f}" if cost >= 1 else f"${cost:.4f}", priced),
        Kpi("First token (p50)", _seconds(numbers["first_token_p50"]), f"answer {_seconds(numbers['answer_p50'])}"),
        Kpi("Thumbs up", _share(numbers["up_share"]), f"of {ratings:,} ratings"),
        Kpi("Numbers grounded", _share(numbers["grounded_share"]), f"of {numbers['numbers']:,} checked"),
    ]


def _model_row(row: dict[str, Any]) -> ModelItem:
    cost = row["cost_usd"]
    return ModelItem(
        row["model"],
        f"{row['answers']:,}",
        f"{row['prompt_tokens']:,} + {row['completion_tokens']:,}",
        cost if cost == "unknown" else f"${cost:,.4f}",
    )


def _tool_row(row: dict[str, Any]) -> ToolItem:
    failed = row["failures"] / row["calls"] if row["calls"] else 0.0
    return ToolItem(
        row["tool"],
        f"{row['calls']:,}",
        f"{row['failures']:,} ({failed:.0%})",
        f"{_number(row['p50_ms'], ' ms')} / {_number(row['p95_ms'], ' ms')}",
    )


def _comment(row: dict[str, Any]) -> CommentItem:
    return CommentItem(_when(row["at"]), row["rating"] > 0, row["comment"], row["message_id"], row["author"])


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
class AccountItem:
    """One account in the list."""

    id: str = ""
    email: str = ""
    name: str = ""
    admin: bool = False
    active: bool = True
    created: str = ""
    last_login: str = ""
    chats: str = ""
    you: bool = False


@dataclass
class AuditItem:
    """One admin action."""

    at: str = ""
    actor: str = ""
    action: str = ""
    target: str = ""
    detail: str = ""


@dataclass
class AccountsView:
    """A page of accounts."""

    rows: list[AccountItem]
    total: int
    page: int
    pages: int


async def find_accounts(actor: CurrentUser, query: str = "", page: int = 1) -> AccountsView:
    """Accounts whose email or name contains `query`, a page at a time."""
    async with get_database().session() as session:
        await acting_admin(session, actor.id)
        found = await accounts.list_accounts(session, query, page)
    rows = [
        AccountItem(
            str(row.id),
            row.email,
            row.display_name,
            row.is_admin,
            row.is_active,
            _when(row.created_at),
            _when(row.last_login_at),
            f"{row.chats:,}",
            row.id == actor.id,
        )
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


async def audit_log(actor: CurrentUser) -> list[AuditItem]:
    """The newest admin actions."""
    async with get_database().session() as session:
        await acting_admin(session, actor.id)
        entries = await audit.latest(session)
    return [
        AuditItem(
            _when(entry.at),
            entry.actor_email,
            ACTION_LABELS.get(entry.action, entry.action),
            entry.target_email,
            entry.detail,
        )
        for entry in entries
    ]


async def review_answer(actor: CurrentUser, message_id: int) -> ReviewedAnswer | None:
    """An answer someone rated, with its question (None when it is gone); its Markdown made safe to render."""
    async with get_database().session() as session:
        answer = await answer_for_review(session, actor.id, message_id)
    return replace(answer, answer=safe_markdown(answer.answer)) if answer is not None else None


async def readable_chat(reader: CurrentUser, chat_id: uuid.UUID) -> Conversation | None:
    """A chat its owner, or an admin, may export; None for anyone else."""
    async with get_database().session() as session:
        return await readable_conversation(session, reader.id, chat_id)
