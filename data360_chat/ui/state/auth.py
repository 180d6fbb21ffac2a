"""Who is signed in, for Reflex pages and events.

The session cookie is HttpOnly: the browser's JavaScript never sees it. Reflex keeps the websocket handshake
headers on the server, so every call to `current_user_id()` reads the cookie from `self.router.headers`, looks the
session up and returns the user's id, or None once the session has ended (sign-out anywhere, expiry). The id is
kept only in a backend var; nothing the browser sends can change who the user is.

Other states use it as:

    auth = await self.get_state(AuthState)
    user_id = await auth.current_user_id()        # None when not signed in
    user_id = await auth.require_user_id()        # raises NotSignedIn

States holding one user's data register themselves with `@user_data_state`; when the user seen by this tab
changes (sign-out, then sign-in as someone else in the same tab), those states are reset to their defaults
before the new user's id is returned. In a background task, call these inside `async with self:`.
"""

from __future__ import annotations

import uuid
from typing import ClassVar, TypeVar
from urllib.parse import quote, urlencode

import reflex as rx

from data360_chat.auth.identity import CurrentUser
from data360_chat.auth.notices import notice
from data360_chat.auth.redirects import safe_next
from data360_chat.auth.service import get_auth_service
from data360_chat.settings import get_settings

SIGN_IN_ROUTE = "/sign-in"
SIGN_UP_ROUTE = "/sign-up"
OIDC_LOGIN_ROUTE = "/auth/oidc/login"

StateType = TypeVar("StateType", bound=type[rx.State])


class NotSignedIn(PermissionError):
    """The event came from a tab whose session has ended or never existed."""


def user_data_state(state_class: StateType) -> StateType:
    """Class decorator: reset this state whenever the tab's user changes."""
    AuthState.user_data_states.append(state_class)
    return state_class


class AuthState(rx.State):
    """The signed-in user as the page shows it, and the server-side lookup every event relies on."""

    user_data_states: ClassVar[list[type[rx.State]]] = []

    signed_in: bool = False
    user_email: str = ""
    user_name: str = ""
    is_admin: bool = False
    auth_mode: str = get_settings().auth_mode

    _user_id: str = ""

    async def current_user(self) -> CurrentUser | None:
        """The user of this tab's session cookie, looked up now (None when signed out or expired)."""
        user = await get_auth_service().user_from_cookies(self.router.headers.cookie)
        await self._follow(user)
        return user

    async def current_user_id(self) -> uuid.UUID | None:
        """The id of the signed-in user, looked up now."""
        user = await self.current_user()
        return user.id if user is not None else None

    async def require_user_id(self) -> uuid.UUID:
        """The id of the signed-in user; `NotSignedIn` if there is none."""
        user_id = await self.current_user_id()
        if user_id is None:
            raise NotSignedIn("Sign in to continue.")
        return user_id

    async def _follow(self, user: CurrentUser | None) -> None:
        """Show the user on the page; when it is another user than before, forget the previous one's data."""
        seen = str(user.id) if user is not None else ""
        if seen != self._user_id:
            for state_class in self.user_data_states:
                (await self.get_state(state_class)).reset()
            self._user_id = seen
        self.signed_in = user is not None
        self.user_email = user.email if user is not None else ""
        self.user_name = user.display_name if user is not None else ""
        self.is_admin = user.is_admin if user is not None else False

    def sign_in_url(self) -> str:
        """The sign-in page, returning to the current page afterwards."""
        here = safe_next(self.router.url.path + (f"?{self.router.url.query}" if self.router.url.query else ""))
        return f"{SIGN_IN_ROUTE}?next={quote(here, safe='/')}"

    @rx.event
    async def require_sign_in(self) -> rx.event.EventSpec | None:
        """`on_load` of pages for signed-in people: go to the sign-in page unless the session is live."""
        if await self.current_user() is None:
            return rx.redirect(self.sign_in_url())
        return None

    @rx.event
    async def refresh_user(self) -> None:
        """`on_load` of pages open to everyone: show who is signed in, if anyone."""
        await self.current_user()


class AuthFormState(rx.State):
    """The sign-in and sign-up pages: which notice to show and where to go afterwards."""

    error: str = ""
    notice: str = ""
    next_path: str = "/"
    signup_open: bool = get_settings().signup_open
    oidc_mode: bool = get_settings().auth_mode == "oidc"

    def _with_next(self, path: str) -> str:
        return f"{path}?{urlencode({'next': self.next_path})}" if self.next_path != "/" else path

    @rx.var
    def sign_in_href(self) -> str:
        """The sign-in page, keeping where to go afterwards."""
        return self._with_next(SIGN_IN_ROUTE)

    @rx.var
    def sign_up_href(self) -> str:
        """The sign-up page, keeping where to go afterwards."""
        return self._with_next(SIGN_UP_ROUTE)

    @rx.var
    def oidc_login_href(self) -> str:
        """Where signing in through the organisation starts."""
        return f"{OIDC_LOGIN_ROUTE}?{urlencode({'next': self.next_path})}"

    @rx.event
    async def load(self) -> rx.event.EventSpec | None:
        """`on_load`: read `?error=`, `?notice=` and `?next=`; someone already signed in goes on to `next`."""
        settings = get_settings()
        params = self.router.url.query_parameters
        self.error = notice(params.get("error"))
        self.notice = notice(params.get("notice"))
        self.next_path = safe_next(params.get("next"))
        self.signup_open = settings.signup_open
        self.oidc_mode = settings.auth_mode == "oidc"
        auth = await self.get_state(AuthState)
        if await auth.current_user() is not None:
            return rx.redirect(self.next_path)
        return None
