"""The session cookie: HttpOnly, SameSite=Lax, Secure over https, domain from `SESSION_COOKIE_DOMAIN`."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from data360_chat.settings import Settings
from data360_chat.web.requests import served_over_https


def set_session_cookie(response: Response, request: Request, settings: Settings, token: str) -> None:
    """Hand the browser its session token."""
    response.set_cookie(
        settings.session_cookie_name,
        token,
        max_age=settings.session_absolute_hours * 3600,
        path="/",
        domain=settings.session_cookie_domain,
        secure=served_over_https(request, settings),
        httponly=True,
        samesite="lax",
    )


def clear_session_cookie(response: Response, request: Request, settings: Settings) -> None:
    """Tell the browser to forget its session token."""
    response.delete_cookie(
        settings.session_cookie_name,
        path="/",
        domain=settings.session_cookie_domain,
        secure=served_over_https(request, settings),
        httponly=True,
        samesite="lax",
    )
