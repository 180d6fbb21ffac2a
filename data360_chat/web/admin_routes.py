"""The admin area over HTTP: each dashboard's rows as CSV, and the gate in front of the admin pages.

Only a signed-in, active admin (session cookie) gets anything: everyone else gets the same 404 page as for an
address that does not exist, for the CSV routes and for the admin pages themselves.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp, Receive, Scope, Send

from data360_chat.admin.accounts import NotAdmin
from data360_chat.admin.periods import BadRange, parse_range
from data360_chat.admin.service import table
from data360_chat.auth.identity import CurrentUser
from data360_chat.auth.service import AuthService
from data360_chat.web.chart_csv import rows_to_csv
from data360_chat.web.errors import NO_STORE
from data360_chat.web.message_page import message_page

ADMIN_PAGES = re.compile(r"^/admin(/.*|\.html|/?)$")
EXPORT_PREFIX = "/admin/export"


def not_found_page() -> Response:
    """The one answer for admin addresses to anyone who is not an admin."""
    return message_page(
        "Page not found",
        "There is nothing at this address.",
        link="/",
        link_text="Back to Data360 Chat",
        status_code=404,
    )


async def _admin(service: AuthService, cookie_header: str) -> CurrentUser | None:
    user = await service.user_from_cookies(cookie_header)
    return user if user is not None and user.is_admin else None


class AdminRoutes:
    """The CSV downloads, over a sign-in service resolved on each request."""

    def __init__(self, service: Callable[[], AuthService]) -> None:
        self.service = service

    async def csv(self, request: Request) -> Response:
        admin = await _admin(self.service(), request.headers.get("cookie", ""))
        if admin is None:
            return not_found_page()
        try:
            period = parse_range(request.query_params.get("start"), request.query_params.get("end"))
            rows = await table(admin, request.path_params["name"], period)
        except BadRange as exc:
            return message_page("Wrong dates", str(exc), link="/admin", link_text="Back", status_code=400)
        except NotAdmin:
            return not_found_page()
        if rows is None:
            return not_found_page()
        name = f"{request.path_params['name']}-{period.start.isoformat()}-{period.end.isoformat()}.csv"
        return Response(
            rows_to_csv(rows),
            media_type="text/csv; charset=utf-8",
            headers={**NO_STORE, "Content-Disposition": f'attachment; filename="{name}"'},
        )

    def routes(self) -> list[BaseRoute]:
        """`GET /admin/export/<dashboard>.csv?start=YYYY-MM-DD&end=YYYY-MM-DD`."""
        return [Route(f"{EXPORT_PREFIX}/{{name:str}}.csv", self.csv, methods=["GET"])]


def admin_gate(app: ASGIApp, service: Callable[[], AuthService]) -> ASGIApp:
    """Answer 404 to anyone but an admin for the admin pages (and any other address under `/admin`)."""

    async def gated(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and ADMIN_PAGES.match(scope.get("path", "")):
            request = Request(scope)
            if await _admin(service(), request.headers.get("cookie", "")) is None:
                await not_found_page()(scope, receive, send)
                return
        await app(scope, receive, send)

    return gated
