"""Accounts as an admin manages them: search, pages, make or remove admins, disable, enable, delete, audit log.

Only an admin sees anything: for anyone else every event leaves the page empty and showing "not found". Disabling
and deleting ask for a confirmation first.
"""

from __future__ import annotations

import reflex as rx

from data360_chat.admin import service as admin
from data360_chat.admin.service import AccountItem, AuditItem
from data360_chat.auth.identity import CurrentUser
from data360_chat.ui.state.admin_access import signed_in_admin

CONFIRM = {
    "disable": "Disable {email}? Their sessions and API keys end at once and they cannot sign in.",
    "delete": "Delete {email} with all their chats, messages, feedback, API keys and sessions? This cannot be undone.",
}


class AdminUsersState(rx.State):
    """The list of accounts, the audit log and the outcome of the last action."""

    allowed: bool = False
    query: str = ""
    page: int = 1
    pages: int = 1
    total: int = 0
    accounts: list[AccountItem] = rx.field(default_factory=list)
    audit: list[AuditItem] = rx.field(default_factory=list)
    notice: str = ""
    error: str = ""
    pending_text: str = ""

    _pending: tuple[str, str] | None = None  # (account id, action) waiting for a confirmation

    async def _reload(self, user: CurrentUser) -> None:
        try:
            found = await admin.find_accounts(user, self.query, self.page)
            self.audit = await admin.audit_log(user)
        except admin.NotAdmin:
            self.reset()
            return
        self.accounts, self.total, self.page, self.pages = found.rows, found.total, found.page, found.pages

    @rx.event
    async def load(self) -> None:
        """`on_load`: the first page of accounts and the audit log."""
        self.notice = self.error = ""
        user = await signed_in_admin(self)
        if user is not None:
            await self._reload(user)

    @rx.event
    async def search(self, query: str) -> None:
        """Accounts whose email or name contains the text."""
        user = await signed_in_admin(self)
        if user is not None:
            self.query, self.page = str(query)[:200], 1
            await self._reload(user)

    @rx.event
    async def go_to_page(self, page: int) -> None:
        """Another page of accounts."""
        user = await signed_in_admin(self)
        if user is not None:
            try:
                self.page = max(1, int(page))
            except (TypeError, ValueError):
                self.page = 1
            await self._reload(user)

    @rx.event
    async def act(self, user_id: str, action: str) -> None:
        """Make or remove an admin or enable an account now; disabling and deleting ask first."""
        user = await signed_in_admin(self)
        if user is None:
            return
        target = next((row for row in self.accounts if row.id == str(user_id)), None)
        if action in CONFIRM and target is not None:
            self._pending = (target.id, str(action))
            self.pending_text = CONFIRM[action].format(email=target.email)
            return
        await self._apply(user, str(user_id), str(action))

    @rx.event
    async def confirm(self) -> None:
        """Carry out the action waiting for a confirmation."""
        user = await signed_in_admin(self)
        pending, self._pending, self.pending_text = self._pending, None, ""
        if user is not None and pending is not None:
            await self._apply(user, *pending)

    @rx.event
    def cancel(self) -> None:
        """Drop the action waiting for a confirmation."""
        self._pending, self.pending_text = None, ""

    async def _apply(self, user: CurrentUser, target_id: str, action: str) -> None:
        self.notice = self.error = ""
        try:
            self.notice = await admin.change_account(user, target_id, action)
        except admin.Refused as exc:
            self.error = str(exc)
        except admin.NotAdmin:
            self.reset()
            return
        await self._reload(user)
