"""Sign-in, sign-up and sign-out form posts, and the OpenID Connect sign-in, as plain HTTP routes.

Forms post here (not through the websocket) so that the session cookie can be HttpOnly; every outcome is a
redirect: to where the person was going, or back to the form with `?error=<code>` (see `auth.notices`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route, Router

from data360_chat.auth.local_accounts import AccountError
from data360_chat.auth.notices import NOTICES
from data360_chat.auth.oidc import OidcRefused, OidcUnavailable
from data360_chat.auth.oidc_users import account_for_claims
from data360_chat.auth.redirects import safe_next
from data360_chat.auth.service import AuthService, cookie_value
from data360_chat.db.models import User
from data360_chat.web.cookies import clear_session_cookie, set_session_cookie
from data360_chat.web.message_page import message_page
from data360_chat.web.requests import client_ip, same_origin
from data360_chat.web.signed_session import SignedCookieSession

log = logging.getLogger(__name__)

SIGN_IN_PAGE = "/sign-in"
SIGN_UP_PAGE = "/sign-up"
OIDC_PREFIX = "/auth/oidc"
FORM_FIELD_MAX = 4096


def to_page(page: str, *, next_path: str = "/", **query: str) -> RedirectResponse:
    """A 303 redirect to one of our pages with a query string."""
    params = {**query, **({"next": next_path} if next_path != "/" else {})}
    location = f"{page}?{urlencode(params)}" if params else page
    return RedirectResponse(location, status_code=303, headers={"Cache-Control": "no-store"})


async def _form(request: Request) -> dict[str, str]:
    async with request.form(max_files=0, max_fields=20) as form:
        return {key: value[:FORM_FIELD_MAX] for key, value in form.items() if isinstance(value, str)}


class AuthRoutes:
    """The handlers, over a sign-in service resolved on each request."""

    def __init__(self, service: Callable[[], AuthService]) -> None:
        self.service = service

    async def _signed_in(self, request: Request, user: User, next_path: str) -> Response:
        service = self.service()
        token = await service.sessions.create(
            user.id, user_agent=request.headers.get("user-agent", ""), ip=client_ip(request, service.settings)
        )
        response = RedirectResponse(next_path, status_code=303, headers={"Cache-Control": "no-store"})
        set_session_cookie(response, request, service.settings, token)
        return response

    async def sign_in(self, request: Request) -> Response:
        service = self.service()
        form = await _form(request)
        next_path = safe_next(form.get("next"))
        if not same_origin(request, service.settings):
            return to_page(SIGN_IN_PAGE, next_path=next_path, error="bad_origin")
        if service.settings.auth_mode != "local":
            return to_page(SIGN_IN_PAGE, next_path=next_path, error="local_disabled")
        try:
            user = await service.local.sign_in(
                form.get("email", ""), form.get("password", ""), ip=client_ip(request, service.settings)
            )
        except AccountError as exc:
            return to_page(SIGN_IN_PAGE, next_path=next_path, error=exc.code)
        return await self._signed_in(request, user, next_path)

    async def sign_up(self, request: Request) -> Response:
        service = self.service()
        form = await _form(request)
        next_path = safe_next(form.get("next"))
        if not same_origin(request, service.settings):
            return to_page(SIGN_UP_PAGE, next_path=next_path, error="bad_origin")
        if service.settings.auth_mode != "local":
            return to_page(SIGN_IN_PAGE, next_path=next_path, error="local_disabled")
        password = form.get("password", "")
        if "password_confirm" in form and form["password_confirm"] != password:
            return to_page(SIGN_UP_PAGE, next_path=next_path, error="password_mismatch")
        try:
            user = await service.local.sign_up(
                form.get("email", ""), password, form.get("display_name", ""), ip=client_ip(request, service.settings)
            )
        except AccountError as exc:
            return to_page(SIGN_UP_PAGE, next_path=next_path, error=exc.code)
        return await self._signed_in(request, user, next_path)

    async def sign_out(self, request: Request) -> Response:
        service = self.service()
        form = await _form(request)
        if not same_origin(request, service.settings):
            return message_page(
                "Not signed out",
                "The sign-out was sent from another site, so it was ignored.",
                link="/",
                link_text="Back to Data360 Chat",
                status_code=403,
            )
        token = cookie_value(request.headers.get("cookie", ""), service.cookie_name)
        if token:
            user = await service.user_from_session(token)
            if user is not None and form.get("scope") == "all":
                await service.sessions.end_all(user.id)
            await service.sessions.end(token)
        response = to_page(SIGN_IN_PAGE, notice="signed_out")
        clear_session_cookie(response, request, service.settings)
        return response

    def _callback_url(self, request: Request) -> str:
        public = self.service().settings.public_url
        if public:
            return public.rstrip("/") + f"{OIDC_PREFIX}/callback"
        return str(request.url.replace(path=f"{OIDC_PREFIX}/callback", query=""))

    async def oidc_login(self, request: Request) -> Response:
        service = self.service()
        next_path = safe_next(request.query_params.get("next"))
        if service.oidc is None or service.settings.auth_mode != "oidc":
            return to_page(SIGN_IN_PAGE, next_path=next_path, error="oidc_disabled")
        try:
            response = await service.oidc.start(request, self._callback_url(request))
        except OidcUnavailable as exc:
            log.warning("OIDC issuer unavailable at sign-in: %s", exc)
            return issuer_down_page(next_path)
        request.session["next"] = next_path
        return response

    async def oidc_callback(self, request: Request) -> Response:
        service = self.service()
        next_path = safe_next(request.session.get("next"))
        if service.oidc is None or service.settings.auth_mode != "oidc":
            return to_page(SIGN_IN_PAGE, error="oidc_disabled")
        try:
            claims = await service.oidc.finish(request)
            issuer = await service.oidc.issuer()
            user = await account_for_claims(service.database, issuer, claims, service.identity_rules, refresh=True)
        except OidcUnavailable as exc:
            log.warning("OIDC issuer unavailable at callback: %s", exc)
            return issuer_down_page(next_path)
        except OidcRefused as exc:
            return message_page(
                "Sign-in did not complete",
                str(exc),
                link=f"{OIDC_PREFIX}/login?{urlencode({'next': next_path})}",
                link_text="Sign in again",
                status_code=400,
            )
        except AccountError as exc:
            return message_page("Sign-in refused", str(exc), link="/", link_text="Back", status_code=403)
        request.session.clear()
        if not user.is_active:
            return message_page(
                "Account disabled", NOTICES["account_disabled"], link="/", link_text="Back", status_code=403
            )
        return await self._signed_in(request, user, next_path)

    def routes(self) -> list[BaseRoute]:
        """The routes, the OIDC ones behind the signed cookie that holds their state."""
        oidc_state = SignedCookieSession(
            Router(
                routes=[
                    Route("/login", self.oidc_login, methods=["GET"]),
                    Route("/callback", self.oidc_callback, methods=["GET"]),
                ]
            ),
            secret=lambda: self.service().secret_key,
            cookie_name="d360_oidc",
            path=OIDC_PREFIX,
            always_secure=lambda: (self.service().settings.public_url or "").lower().startswith("https://"),
        )
        return [
            Route("/auth/sign-in", self.sign_in, methods=["POST"]),
            Route("/auth/sign-up", self.sign_up, methods=["POST"]),
            Route("/auth/sign-out", self.sign_out, methods=["POST"]),
            Mount(OIDC_PREFIX, app=oidc_state),
        ]


def issuer_down_page(next_path: str) -> Response:
    """The page shown when the identity provider cannot be reached."""
    return message_page(
        "Sign-in is unavailable",
        "Your organisation's sign-in service is not answering right now. Try again in a few minutes; "
        "if it keeps happening, tell your administrator.",
        link=f"{OIDC_PREFIX}/login?{urlencode({'next': next_path})}",
        link_text="Try again",
        status_code=503,
    )
