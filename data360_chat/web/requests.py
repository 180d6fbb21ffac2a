"""Facts about an incoming request: client address, whether it is same-origin, whether it came over https, ids in
its path.

Behind `TRUSTED_PROXY_HOPS` reverse proxies, `X-Forwarded-For` and `X-Forwarded-Proto` are read at the entry the
outermost trusted proxy wrote; with no trusted proxy they are ignored (any client could send them).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.requests import Request

from data360_chat.settings import Settings


def _forwarded(request: Request, settings: Settings, header: str) -> str | None:
    """What the outermost trusted proxy wrote in a comma-separated forwarding header (None without one)."""
    hops = settings.trusted_proxy_hops
    if not hops:
        return None
    entries = [entry.strip() for entry in request.headers.get(header, "").split(",") if entry.strip()]
    return entries[-hops] if len(entries) >= hops else None


def client_ip(request: Request, settings: Settings) -> str:
    """The client's address; `X-Forwarded-For` is believed only through `TRUSTED_PROXY_HOPS` proxies."""
    direct = request.client.host if request.client else ""
    return _forwarded(request, settings, "x-forwarded-for") or direct


def request_scheme(request: Request, settings: Settings) -> str:
    """`http` or `https` as the client used it (`X-Forwarded-Proto` believed only from trusted proxies)."""
    forwarded = (_forwarded(request, settings, "x-forwarded-proto") or "").lower()
    return forwarded if forwarded in ("http", "https") else request.url.scheme


def _origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower() if parts.scheme and parts.netloc else ""


def own_origins(request: Request, settings: Settings) -> set[str]:
    """Origins this app is served from: `PUBLIC_URL`'s and the one the request was addressed to."""
    origins = {f"{request_scheme(request, settings)}://{request.headers.get('host', '')}".lower()}
    if settings.public_url:
        origins.add(_origin_of(settings.public_url))
    return origins


def same_origin(request: Request, settings: Settings) -> bool:
    """Whether a state-changing request was sent by a page of this app (`Origin`, else `Referer`)."""
    sender = request.headers.get("origin") or _origin_of(request.headers.get("referer", ""))
    return bool(sender) and sender.lower() in own_origins(request, settings)


def served_over_https(request: Request, settings: Settings) -> bool:
    """Whether cookies must be `Secure`: the request came over https, or the public address is https."""
    return request_scheme(request, settings) == "https" or (settings.public_url or "").lower().startswith("https://")


def path_row_id(request: Request, name: str) -> int | None:
    """A positive integer id from the path (None for anything else, answered as not found)."""
    try:
        value = int(request.path_params[name])
    except ValueError:
        return None
    return value if 0 < value < 2**63 else None
