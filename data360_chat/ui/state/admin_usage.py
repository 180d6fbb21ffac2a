"""The usage dashboards: figures and tables over a date range, and the answer behind a feedback comment.

Only an admin sees anything: for anyone else every event leaves the page empty and showing "not found".
"""

from __future__ import annotations

from typing import Any

import reflex as rx

from data360_chat.admin import service as admin
from data360_chat.admin.service import CommentItem, Kpi, ModelItem, ToolItem
from data360_chat.auth.identity import CurrentUser
from data360_chat.ui.state.admin_access import signed_in_admin


class AdminUsageState(rx.State):
    """What the dashboards page shows."""

    allowed: bool = False
    loading: bool = False
    start: str = ""
    end: str = ""
    range_error: str = ""
    csv_query: str = ""
    kpis: list[Kpi] = rx.field(default_factory=list)
    figures: dict[str, dict[str, Any]] = rx.field(default_factory=dict)
    models: list[ModelItem] = rx.field(default_factory=list)
    tools: list[ToolItem] = rx.field(default_factory=list)
    comments: list[CommentItem] = rx.field(default_factory=list)
    review_open: bool = False
    review_question: str = ""
    review_answer: str = ""
    review_about: str = ""
    review_chat_id: str = ""

    async def _show(self, user: CurrentUser, start: str, end: str) -> None:
        try:
            view = await admin.usage(user, start, end)
        except admin.BadRange as exc:
            self.range_error = str(exc)
            return
        except admin.NotAdmin:
            self.reset()
            return
        self.range_error = ""
        self.start, self.end, self.csv_query = view.start, view.end, view.query
        self.kpis, self.figures = view.kpis, view.figures
        self.models, self.tools, self.comments = view.models, view.tools, view.comments

    @rx.event
    async def load(self) -> None:
        """`on_load`: the dashboards over the range in the address (`?start=&end=`), else the last 30 days."""
        user = await signed_in_admin(self)
        if user is not None:
            params = self.router.url.query_parameters
            await self._show(user, str(params.get("start", "")), str(params.get("end", "")))

    @rx.event
    async def apply_range(self, form: dict[str, Any]) -> None:
        """Show the dashboards over the range chosen in the form."""
        user = await signed_in_admin(self)
        if user is not None:
            await self._show(user, str(form.get("start", "")), str(form.get("end", "")))

    @rx.event
    async def open_review(self, message_id: int) -> None:
        """Show the answer a comment is about, with its question."""
        user = await signed_in_admin(self)
        if user is None:
            return
        try:
            answer = await admin.review_answer(user, int(message_id))
        except (ValueError, TypeError, admin.NotAdmin):
            answer = None
        if answer is None:
            self.range_error = "That answer no longer exists."
            return
        self.review_question, self.review_answer = answer.question, answer.answer
        self.review_about = f"{answer.owner_email} · {answer.status}"
        self.review_chat_id = str(answer.chat_id)
        self.review_open = True

    @rx.event
    def close_review(self) -> None:
        """Hide the answer."""
        self.review_open = False
        self.review_question = self.review_answer = self.review_about = self.review_chat_id = ""
