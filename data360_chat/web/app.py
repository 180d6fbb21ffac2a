"""The Starlette app mounted in front of Reflex (`rx.App(api_transformer=...)`); its routes match first."""

from __future__ import annotations

from collections.abc import Callable

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware

from data360_chat.auth.service import AuthService, get_auth_service
from data360_chat.rate_limits import RateLimited
from data360_chat.settings import Settings
from data360_chat.web.admin_routes import AdminRoutes, admin_gate
from data360_chat.web.api_routes import ApiRoutes
from data360_chat.web.auth_routes import AuthRoutes
from data360_chat.web.body_limit import limit_request_bodies
from data360_chat.web.errors import http_error, rate_limited, server_error
from data360_chat.web.health_routes import health_routes
from data360_chat.web.metrics_routes import metrics_routes
from data360_chat.web.upload_gate import UPLOAD_ROUTE, upload_gate

UPLOAD_FORM_BYTES = 64 * 1024  # the multipart framing and the event's arguments around an uploaded file


def body_limit(settings: Settings, path: str) -> int:
    """The largest request body for `path`: `MAX_REQUEST_BYTES`, or an upload of `UPLOAD_MAX_BYTES` with its form."""
    if path == UPLOAD_ROUTE:
        return max(settings.max_request_bytes, settings.upload_max_bytes + UPLOAD_FORM_BYTES)
    return settings.max_request_bytes


def build_web_app(service: Callable[[], AuthService] = get_auth_service) -> Starlette:
    """Sign-in routes, the JSON API, the admin downloads, health and metrics, over the given sign-in service (the
    process-wide one by default).

    Reflex mounts itself inside this app, so the body limit and the error pages apply to its HTTP routes too.
    """
    return Starlette(
        routes=[
            *AuthRoutes(service).routes(),
            *ApiRoutes(service).routes(),
            *AdminRoutes(service).routes(),
            *health_routes(),
            *metrics_routes(),
        ],
        middleware=[
            Middleware(limit_request_bodies, max_bytes=lambda path: body_limit(service().settings, path)),
            Middleware(admin_gate, service=service),
            Middleware(upload_gate, service=service),
        ],
        exception_handlers={HTTPException: http_error, RateLimited: rate_limited, Exception: server_error},
    )
