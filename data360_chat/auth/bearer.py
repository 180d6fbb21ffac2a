"""JWT access tokens from the configured issuer: signature checked against its JWKS, `iss`/`aud`/`exp`/`nbf` checked.

Keys are cached and fetched again when a token names a key id the cache does not have (key rotation); such
refetches happen at most once per `REFETCH_INTERVAL`, so tokens with made-up key ids cannot make us hammer the issuer.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx
from joserfc import jwt
from joserfc.errors import InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet

ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"]
MAX_TOKEN_CHARS = 16_000
HTTP_TIMEOUT = 5.0


class InvalidToken(Exception):
    """The token is not accepted; the message says why (for logs, not for clients)."""


class IssuerUnavailable(Exception):
    """The issuer's discovery document or keys could not be fetched."""


@dataclass(frozen=True)
class BearerConfig:
    """Whose tokens are accepted, for which audience, and where their keys are."""

    issuer: str
    audience: str
    jwks_url: str


async def fetch_json(url: str) -> dict[str, Any]:
    """GET a JSON document, turning every network or format failure into `IssuerUnavailable`."""
    try:
        async with httpx.AsyncClient(timeout=HTTP_TIMEOUT) as client:
            response = await client.get(url, headers={"Accept": "application/json"})
            response.raise_for_status()
            document = response.json()
    except (httpx.HTTPError, ValueError) as exc:
        raise IssuerUnavailable(f"Could not fetch {url}: {exc or type(exc).__name__}") from exc
    if not isinstance(document, dict):
        raise IssuerUnavailable(f"{url} did not return a JSON object")
    return document


class JwksCache:
    """The issuer's public keys, cached for `max_age` seconds and refetched on an unknown key id."""

    REFETCH_INTERVAL = 10.0

    def __init__(self, url: str, *, max_age: float = 3600.0) -> None:
        self.url = url
        self.max_age = max_age
        self._keys: KeySet | None = None
        self._fetched_at = float("-inf")
        self._refetched_at = float("-inf")
        self._lock = asyncio.Lock()

    async def keys(self, *, refresh: bool = False) -> KeySet:
        """The key set; `refresh` fetches it again unless another refresh was done moments ago."""
        async with self._lock:
            now = time.monotonic()
            expired = self._keys is None or now - self._fetched_at > self.max_age
            refetch = refresh and now - self._refetched_at > self.REFETCH_INTERVAL
            if refetch:
                self._refetched_at = now
            if expired or refetch:
                document = await fetch_json(self.url)
                try:
                    self._keys = KeySet.import_key_set(document)  # type: ignore[arg-type]
                except (JoseError, ValueError, KeyError, TypeError) as exc:
                    raise IssuerUnavailable(f"{self.url} is not a usable JWKS: {exc}") from exc
                self._fetched_at = time.monotonic()
            assert self._keys is not None
            return self._keys


class BearerTokenVerifier:
    """Checks JWT access tokens; `config` is resolved on first use (it may come from OIDC discovery)."""

    def __init__(self, config: Callable[[], Awaitable[BearerConfig]], *, leeway: int = 30) -> None:
        """`leeway`: seconds of clock difference with the issuer tolerated on `exp` and `nbf`."""
        self._config_source = config
        self.leeway = leeway
        self._config: BearerConfig | None = None
        self._jwks: JwksCache | None = None

    async def _setup(self) -> tuple[BearerConfig, JwksCache]:
        if self._config is None or self._jwks is None:
            config = await self._config_source()
            self._config, self._jwks = config, JwksCache(config.jwks_url)
        return self._config, self._jwks

    async def verify(self, token: str) -> dict[str, Any]:
        """The token's claims; `InvalidToken` if it is not acceptable, `IssuerUnavailable` if keys cannot be had."""
        if not token or len(token) > MAX_TOKEN_CHARS:
            raise InvalidToken("empty or oversized token")
        config, jwks = await self._setup()
        try:
            try:
                decoded = jwt.decode(token, await jwks.keys(), algorithms=ALGORITHMS)
            except InvalidKeyIdError:
                decoded = jwt.decode(token, await jwks.keys(refresh=True), algorithms=ALGORITHMS)
            registry = jwt.JWTClaimsRegistry(
                leeway=self.leeway,
                iss={"essential": True, "value": config.issuer},
                aud={"essential": True, "value": config.audience},
                sub={"essential": True},
                exp={"essential": True},
            )
            registry.validate(decoded.claims)
        except (JoseError, ValueError, TypeError) as exc:
            raise InvalidToken(str(exc) or type(exc).__name__) from exc
        return decoded.claims
