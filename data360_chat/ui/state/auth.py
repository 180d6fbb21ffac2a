"""Who is signed in, for Reflex pages and events.

The session cookie is HttpOnly: the browser's JavaScript never sees it. Reflex keeps the websocket handshake
headers on the server, so `signed_in_user(state)` reads the cookie from the connection that sent the event, looks
the session up and returns the user, or None once the session has ended (sign-out anywhere, expiry). Nothing the
browser sends as an argument says who the user is; helpers like these are module functions or private methods, so
the browser cannot call them as events.

A tab's state is bound to the session cookie it was built for (`SessionGuard`, a middleware that runs before every
event, the first hydration included): when an event arrives over a connection with another cookie, or none, or
the page hydrates after its session ended, every state of the app is reset before anything is sent. Whoever
reconnects with a closed tab's token therefore gets an empty page, never the previous user's data.
"""

from __future__ import annotations

import hashlib
import uuid
from typing import Any
from urllib.parse import quote, urlencode

import reflex as rx
from reflex.middleware import Middleware
from reflex_base.event import Event

from data360_chat.auth.identity import CurrentUser
from data360_chat.auth.notices import notice
from data360_chat.auth.redirects import safe_next
from data360_chat.auth.service import cookie_value, get_auth_service
from data360_chat.observability import context
from data360_chat.settings import get_settings

SIGN_IN_ROUTE = "/sign-in"
SIGN_UP_ROUTE = "/sign-up"
OIDC_LOGIN_ROUTE = "/auth/oidc/login"
APP_MODULES = ("data360_chat.", "live")  # the modules our states live in (`live`: the streaming state's short name)
HYDRATE_EVENTS = ("hydrate", "hydrate_and_load")


def _app_states() -> list[type[rx.State]]:
    """Every state class of the app (not Reflex's own), found by walking the state tree."""
    found, pending = [], list(rx.State.get_substates())
    while pending:
        state_class = pending.pop()
        pending.extend(state_class.get_substates())
        if state_class.__module__.startswith(APP_MODULES):
            found.append(state_class)
    return found


async def _forget_everything(state: rx.State) -> None:
    """Reset every state of the app in this tab to its defaults."""
    for state_class in _app_states():
        (await state.get_state(state_class)).reset()


def _session_key(cookie_header: str) -> str:
    """A digest of the tab's session cookie ("" without one): which session the tab's state was built for."""
    token = cookie_value(cookie_header, get_auth_service().cookie_name)
    return hashlib.sha256(token.encode()).hexdigest() if token else ""


class AuthState(rx.State):
    """The signed-in user as the page shows it, and the binding of the tab's state to its session."""

    user_email: str = ""
    user_name: str = ""
    is_admin: bool = False
    auth_mode: str = get_settings().auth_mode

    _user_id: str = ""
    _session_key: str = ""

    async def _lookup(self) -> CurrentUser | None:
        """The user of the session cookie, looked up now; the page forgets the previous user's data on a change."""
        user = await get_auth_service().user_from_cookies(self.router.headers.cookie)
        seen = str(user.id) if user is not None else ""
        if seen != self._user_id:
            key = self._session_key
            await _forget_everything(self)
            self._user_id, self._session_key = seen, key
        self.user_email = user.email if user is not None else ""
        self.user_name = user.display_name if user is not None else ""
        self.is_admin = user.is_admin if user is not None else False
        return user

    async def _guard(self, *, hydrating: bool) -> None:
        """Before an event: drop the tab's state if it was built for another session (or the session ended)."""
        key = _session_key(self.router.headers.cookie)
        if key != self._session_key:
            await _forget_everything(self)
            self._session_key = key
        if hydrating and key:
            await self._lookup()

    @rx.event
    async def require_sign_in(self) -> rx.event.EventSpec | None:
        """`on_load` of pages for signed-in people: go to the sign-in page unless the session is live."""
        if await self._lookup() is None:
            return rx.redirect(sign_in_url(self))
        return None


async def signed_in_user(state: rx.State) -> CurrentUser | None:
    """The user of the tab's session, looked up now (None when signed out or the session ended)."""
    return await (await state.get_state(AuthState))._lookup()


async def signed_in_user_id(state: rx.State) -> uuid.UUID | None:
    """The id of the tab's signed-in user, looked up now."""
    user = await signed_in_user(state)
    return user.id if user is not None else None


def sign_in_url(state: rx.State) -> str:
    """The sign-in page, returning to the tab's current page afterwards."""
    url = state.router.url
    here = safe_next(url.path + (f"?{url.query}" if url.query else ""))
    return f"{SIGN_IN_ROUTE}?next={quote(here, safe='/')}"


class SessionGuard(Middleware):
    """Runs `AuthState._guard` before every event, so state is only ever sent to the session it belongs to."""

    async def preprocess(self, app: Any, state: rx.State, event: Event) -> None:
        """Bind the tab's state to the session cookie of the connection the event came over (and give the event a
        request id for its log lines)."""
        context.new_request_id()
        context.bind_user(None)
        context.bind_chat(None)
        auth = await state.get_state(AuthState)
        await auth._guard(hydrating=event.name.rpartition(".")[2] in HYDRATE_EVENTS)


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
        if await signed_in_user(self) is not None:
            return rx.redirect(self.next_path)
        return None
