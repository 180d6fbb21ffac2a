"""Security headers on every HTTP response: a Content-Security-Policy that lets only this site's scripts run and keeps
images and connections on this site (so Markdown cannot leak data through a remote image), no framing, no MIME
sniffing, and HSTS when the public address is https.

Scripts: the built pages carry a few inline scripts of their own (React Router's start-up, the colour theme); they
are allowed by their SHA-256, read from the built HTML files once, so no other inline script and no `eval` can run.
Without a built frontend (development, where the page is served by the dev server) inline scripts are allowed.
"""

from __future__ import annotations

import base64
import hashlib
import re
from functools import lru_cache
from pathlib import Path

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from data360_chat.settings import PROJECT_ROOT, Settings, get_settings

BUILT_PAGES = PROJECT_ROOT / ".web" / "build" / "client"
INLINE_SCRIPT = re.compile(rb"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", re.S | re.I)
HSTS = b"max-age=31536000; includeSubDomains"


def inline_script_hashes(folder: Path) -> list[str]:
    """The CSP sources (`'sha256-...'`) of every inline script in the built HTML pages under `folder`."""
    found = set()
    for page in folder.rglob("*.html"):
        for body in INLINE_SCRIPT.findall(page.read_bytes()):
            found.add(f"'sha256-{base64.b64encode(hashlib.sha256(body).digest()).decode()}'")
    return sorted(found)


def content_security_policy(script_hashes: list[str]) -> str:
    """The policy, with inline scripts allowed by hash (or, with no hashes, allowed as in development)."""
    scripts = " ".join(script_hashes) if script_hashes else "'unsafe-inline'"
    return "; ".join(
        [
            "default-src 'self'",
            "img-src 'self' data: blob:",
            f"script-src 'self' {scripts}",
            "style-src 'self' 'unsafe-inline'",
            "font-src 'self' data:",
            "connect-src 'self'",
            "worker-src 'self' blob:",
            "frame-src 'none'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


def headers_for(settings: Settings, built_pages: Path) -> list[tuple[bytes, bytes]]:
    """The security headers of a server with these settings serving the pages built in `built_pages`."""
    headers = [
        (b"content-security-policy", content_security_policy(inline_script_hashes(built_pages)).encode()),
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", b"same-origin"),
        (b"x-frame-options", b"DENY"),
    ]
    if (settings.public_url or "").lower().startswith("https://"):
        headers.append((b"strict-transport-security", HSTS))
    return headers


@lru_cache(maxsize=1)
def _headers() -> list[tuple[bytes, bytes]]:
    """This server's headers, worked out on the first response (the frontend is built by then)."""
    return headers_for(get_settings(), BUILT_PAGES)


def security_headers(app: ASGIApp) -> ASGIApp:
    """`app` with the security headers added to each HTTP response that does not set them itself."""

    async def with_headers(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                message["headers"] = [
                    *message.get("headers", []),
                    *((name, value) for name, value in _headers() if name not in present),
                ]
            await send(message)

        await app(scope, receive, send_with_headers)

    return with_headers
