"""Facts about an incoming request: client address, whether it is same-origin, whether it came over https."""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.requests import Request

from data360_chat.settings import Settings


def client_ip(request: Request, settings: Settings) -> str:
    """The client's address; `X-Forwarded-For` is believed only through `TRUSTED_PROXY_HOPS` proxies."""
    direct = request.client.host if request.client else ""
    hops = settings.trusted_proxy_hops
    if hops:
        forwarded = [ip.strip() for ip in request.headers.get("x-forwarded-for", "").split(",") if ip.strip()]
        if len(forwarded) >= hops:
            return forwarded[-hops]
    return direct


def _origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower() if parts.scheme and parts.netloc else ""


def own_origins(request: Request, settings: Settings) -> set[str]:
    """Origins this app is served from: `PUBLIC_URL`'s and the one the request was addressed to."""
    origins = {f"{request.url.scheme}://{request.headers.get('host', '')}".lower()}
    if settings.public_url:
        origins.add(_origin_of(settings.public_url))
    return origins


def same_origin(request: Request, settings: Settings) -> bool:
    """Whether a state-changing request was sent by a page of this app (`Origin`, else `Referer`)."""
    sender = request.headers.get("origin") or _origin_of(request.headers.get("referer", ""))
    return bool(sender) and sender.lower() in own_origins(request, settings)


def served_over_https(request: Request, settings: Settings) -> bool:
    """Whether cookies must be `Secure`: the request came over https, or the public address is https."""
    return request.url.scheme == "https" or (settings.public_url or "").lower().startswith("https://")
