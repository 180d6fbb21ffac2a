"""The account page: change the password, create and revoke personal API keys."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import reflex as rx

from data360_chat.auth import api_keys
from data360_chat.auth.local_accounts import AccountError
from data360_chat.auth.service import cookie_value, get_auth_service
from data360_chat.ui.state.auth import sign_in_url, signed_in_user, signed_in_user_id


class AccountState(rx.State):
    """The signed-in user's keys and the outcome of the last action on the page.

    A new key's secret is sent to the page once and cleared from the stored state in the same event, so it
    cannot be read back later (by this tab after a reload, or by anyone holding the tab's token).
    """

    keys: list[dict[str, str]] = rx.field(default_factory=list)
    new_key_name: str = ""
    new_key_secret: str = ""
    key_error: str = ""
    password_error: str = ""
    password_notice: str = ""
    has_password: bool = False

    async def _reload_keys(self, user_id: uuid.UUID) -> None:
        rows = await api_keys.list_api_keys(get_auth_service().database, user_id)
        self.keys = [
            {
                "id": str(row.id),
                "name": row.name,
                "prefix": f"{api_keys.KEY_PREFIX}{row.prefix}",
                "created": row.created_at.strftime("%Y-%m-%d"),
                "last_used": row.last_used_at.strftime("%Y-%m-%d %H:%M") if row.last_used_at else "never",
            }
            for row in rows
        ]

    @rx.event
    async def load(self) -> rx.event.EventSpec | None:
        """`on_load`: the user's keys; a key shown earlier is not shown again."""
        user = await signed_in_user(self)
        if user is None:
            return rx.redirect(sign_in_url(self))
        self.new_key_secret = self.new_key_name = self.key_error = ""
        self.password_error = self.password_notice = ""
        self.has_password = user.has_password
        await self._reload_keys(user.id)
        return None

    @rx.event
    async def change_password(self, form: dict[str, str]) -> rx.event.EventSpec | None:
        """Check the current password, set the new one, end the account's other sessions."""
        self.password_error = self.password_notice = ""
        user_id = await signed_in_user_id(self)
        if user_id is None:
            return rx.redirect(sign_in_url(self))
        new = str(form.get("new_password", ""))
        if new != str(form.get("new_password_confirm", "")):
            self.password_error = "The two new passwords do not match."
            return None
        service = get_auth_service()
        try:
            ended = await service.change_password(
                user_id,
                str(form.get("current_password", "")),
                new,
                ip=self.router.session.client_ip,
                keep_session=cookie_value(self.router.headers.cookie, service.cookie_name),
            )
        except AccountError as exc:
            self.password_error = str(exc)
            return None
        others = f" You were signed out on {ended} other browser{'s' if ended != 1 else ''}." if ended else ""
        self.password_notice = "Your password was changed." + others
        return None

    @rx.event
    async def create_key(self, form: dict[str, str]) -> AsyncIterator[rx.event.EventSpec | None]:
        """Create a key and show its secret, this once: sent to the page, then cleared from the stored state."""
        self.key_error = self.new_key_secret = ""
        user_id = await signed_in_user_id(self)
        if user_id is None:
            yield rx.redirect(sign_in_url(self))
            return
        name = " ".join(str(form.get("name", "")).split())
        if not name:
            self.key_error = "Give the key a name, such as the script that will use it."
            return
        try:
            created = await api_keys.create_api_key(get_auth_service().database, user_id, name)
        except api_keys.TooManyKeys as exc:
            self.key_error = str(exc)
            return
        self.new_key_name, self.new_key_secret = created.name, created.secret
        await self._reload_keys(user_id)
        yield None  # the page gets the secret now
        self.new_key_secret = ""
        self.dirty_vars.discard("new_key_secret")  # forgotten here without emptying what the page shows

    @rx.event
    async def dismiss_key(self) -> None:
        """Hide the secret of the key just created."""
        self.new_key_secret = self.new_key_name = ""

    @rx.event
    async def revoke_key(self, key_id: str) -> rx.event.EventSpec | None:
        """Revoke one of the user's keys (any other id is treated as not found)."""
        self.key_error = ""
        user_id = await signed_in_user_id(self)
        if user_id is None:
            return rx.redirect(sign_in_url(self))
        try:
            revoked = await api_keys.revoke_api_key(get_auth_service().database, user_id, uuid.UUID(str(key_id)))
        except ValueError:
            revoked = False
        if not revoked:
            self.key_error = "That key was not found; it may already be revoked."
        await self._reload_keys(user_id)
        return None
