"""Behind a TLS-terminating reverse proxy: `X-Forwarded-Proto` makes the session cookie Secure and the https
page same-origin, but only when `TRUSTED_PROXY_HOPS` says a proxy is there to vouch for it."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select

from data360_chat.auth.service import AuthService
from data360_chat.db.models import AuthSession
from tests.auth.conftest import PASSWORD, web_client

PUBLIC = "https://chat.example.org"


async def sign_up_through_proxy(service: AuthService, forwarded_proto: str) -> tuple[int, str, str]:
    """Post the sign-up form as a proxy would pass it on (plain http inside, the page on https outside)."""
    async with web_client(service, "http://chat.example.org", ip="10.0.0.2") as proxy:
        response = await proxy.post(
            "/auth/sign-up",
            data={"email": "ada@example.org", "password": PASSWORD},
            headers={"Origin": PUBLIC, "X-Forwarded-Proto": forwarded_proto, "X-Forwarded-For": "198.51.100.4"},
        )
    return response.status_code, response.headers["location"], response.headers.get("set-cookie", "")


async def test_a_trusted_proxy_on_https_gets_a_secure_cookie(make_service: Callable[..., AuthService]):
    status, location, cookie = await sign_up_through_proxy(make_service(trusted_proxy_hops=1), "https")
    assert (status, location) == (303, "/")
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie


async def test_forwarded_headers_are_ignored_without_a_trusted_proxy(make_service: Callable[..., AuthService]):
    # Any client could send X-Forwarded-Proto: the https page does not match this plain-http request.
    status, location, cookie = await sign_up_through_proxy(make_service(), "https")
    assert (status, location, cookie) == (303, "/sign-up?error=bad_origin", "")


async def test_the_session_is_recorded_with_the_forwarded_address(make_service: Callable[..., AuthService]):
    service = make_service(trusted_proxy_hops=1)
    await sign_up_through_proxy(service, "https")
    async with service.database.session() as session:
        ips = (await session.execute(select(AuthSession.ip))).scalars().all()
    assert ips == ["198.51.100.4"]
