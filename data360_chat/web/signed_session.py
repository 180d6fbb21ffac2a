"""A short-lived, HMAC-signed cookie as `request.session`, where authlib keeps OIDC state, nonce and PKCE verifier.

Only the OIDC routes use it; it carries no identity, and it expires after `MAX_AGE` seconds.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Callable
from typing import Any

from starlette.datastructures import MutableHeaders
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Message, Receive, Scope, Send

MAX_AGE = 600


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class SignedCookieSession:
    """ASGI middleware: `scope["session"]` loaded from, and saved to, one signed cookie."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        secret: Callable[[], bytes],
        cookie_name: str,
        path: str,
        always_secure: Callable[[], bool],
    ) -> None:
        self.app = app
        self.secret = secret
        self.cookie_name = cookie_name
        self.path = path
        self.always_secure = always_secure

    def _sign(self, payload: str) -> str:
        return _b64(hmac.new(self.secret(), payload.encode(), hashlib.sha256).digest())

    def encode(self, data: dict[str, Any]) -> str:
        """The cookie value for a session."""
        payload = _b64(json.dumps({"at": int(time.time()), "data": data}, separators=(",", ":")).encode())
        return f"{payload}.{self._sign(payload)}"

    def decode(self, value: str) -> dict[str, Any]:
        """The session in a cookie value; empty if it is missing, tampered with or too old."""
        payload, _, signature = value.partition(".")
        if not signature or not hmac.compare_digest(signature, self._sign(payload)):
            return {}
        try:
            document = json.loads(_unb64(payload))
        except ValueError:
            return {}
        if not isinstance(document, dict) or time.time() - document.get("at", 0) > MAX_AGE:
            return {}
        data = document.get("data")
        return data if isinstance(data, dict) else {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cookie = HTTPConnection(scope).cookies.get(self.cookie_name, "")
        scope["session"] = self.decode(cookie) if cookie else {}
        loaded = dict(scope["session"])

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start" and scope["session"] != loaded:
                headers = MutableHeaders(scope=message)
                secure = self.always_secure() or scope.get("scheme") == "https"
                attributes = f"Path={self.path}; HttpOnly; SameSite=Lax" + ("; Secure" if secure else "")
                if scope["session"]:
                    value = self.encode(scope["session"])
                    headers.append("Set-Cookie", f"{self.cookie_name}={value}; Max-Age={MAX_AGE}; {attributes}")
                else:
                    headers.append("Set-Cookie", f"{self.cookie_name}=; Max-Age=0; {attributes}")
            await send(message)

        await self.app(scope, receive, send_with_cookie)
