"""The Starlette app mounted in front of Reflex (`rx.App(api_transformer=...)`); its routes match first."""

from __future__ import annotations

from collections.abc import Callable

from starlette.applications import Starlette

from data360_chat.auth.service import AuthService, get_auth_service
from data360_chat.web.api_routes import ApiRoutes
from data360_chat.web.auth_routes import AuthRoutes


def build_web_app(service: Callable[[], AuthService] = get_auth_service) -> Starlette:
    """Sign-in routes and the JSON API, over the given sign-in service (the process-wide one by default)."""
    return Starlette(routes=[*AuthRoutes(service).routes(), *ApiRoutes(service).routes()])
