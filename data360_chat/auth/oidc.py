"""Signing in through an OpenID Connect issuer (Azure AD / Entra ID, Keycloak ...) with authlib.

The authorization-code flow with PKCE (S256); authlib keeps `state`, `nonce` and the code verifier in the
request's session (a short-lived signed cookie) and checks them, with the ID token's signature, issuer, audience
and expiry, when the issuer sends the person back.
"""

from __future__ import annotations

import logging
from typing import Any

import httpx
import httpx2
from authlib.integrations.base_client import OAuthError
from authlib.integrations.starlette_client import OAuth
from joserfc.errors import JoseError
from starlette.requests import Request
from starlette.responses import RedirectResponse

from data360_chat.settings import Settings

log = logging.getLogger(__name__)

# authlib talks to the issuer through httpx2 (httpx where that is missing): failures of either mean "unreachable".
NETWORK_ERRORS = (httpx.HTTPError, httpx2.HTTPError, OSError)

CLIENT_NAME = "oidc"
HTTP_TIMEOUT = 10.0
PROBE_TIMEOUT = 5.0


class OidcUnavailable(Exception):
    """The issuer could not be reached or answered nonsense."""


class OidcRefused(Exception):
    """The sign-in came back refused, tampered with, replayed or expired; the message is meant for the person."""


class OidcClient:
    """The app as a relying party of one OpenID Connect issuer."""

    def __init__(self, settings: Settings) -> None:
        if not (settings.oidc_discovery_url and settings.oidc_client_id):
            raise ValueError("AUTH_MODE=oidc needs OIDC_DISCOVERY_URL and OIDC_CLIENT_ID")
        oauth = OAuth()
        client_kwargs: dict[str, Any] = {
            "scope": settings.oidc_scopes,
            "code_challenge_method": "S256",
            "timeout": HTTP_TIMEOUT,
        }
        if not settings.oidc_client_secret:
            client_kwargs["token_endpoint_auth_method"] = "none"  # a public client: PKCE alone
        oauth.register(
            CLIENT_NAME,
            client_id=settings.oidc_client_id,
            client_secret=settings.oidc_client_secret,
            server_metadata_url=settings.oidc_discovery_url,
            client_kwargs=client_kwargs,
        )
        self._app = oauth.create_client(CLIENT_NAME)
        self._discovery_url = settings.oidc_discovery_url

    async def _probe(self) -> None:
        """`OidcUnavailable` unless the issuer answers now (its metadata may have been cached while it was up)."""
        try:
            async with httpx.AsyncClient(timeout=PROBE_TIMEOUT) as client:
                (await client.get(self._discovery_url)).raise_for_status()
        except httpx.HTTPError as exc:
            raise OidcUnavailable(str(exc) or type(exc).__name__) from exc

    async def issuer(self) -> str:
        """The issuer named by the discovery document."""
        try:
            metadata = await self._app.load_server_metadata()
        except (*NETWORK_ERRORS, ValueError) as exc:
            raise OidcUnavailable(str(exc) or type(exc).__name__) from exc
        issuer = metadata.get("issuer")
        if not isinstance(issuer, str) or not issuer:
            raise OidcUnavailable("the discovery document names no issuer")
        return issuer

    async def jwks_url(self) -> str:
        """Where the issuer publishes its signing keys."""
        await self.issuer()
        url = self._app.server_metadata.get("jwks_uri")
        if not isinstance(url, str) or not url:
            raise OidcUnavailable("the discovery document names no jwks_uri")
        return url

    async def start(self, request: Request, redirect_uri: str) -> RedirectResponse:
        """The redirect to the issuer's sign-in page (state, nonce and PKCE verifier saved in the session)."""
        await self._probe()  # never send the browser to an issuer that is down
        try:
            return await self._app.authorize_redirect(request, redirect_uri)
        except (*NETWORK_ERRORS, ValueError, RuntimeError) as exc:
            raise OidcUnavailable(str(exc) or type(exc).__name__) from exc

    async def finish(self, request: Request) -> dict[str, Any]:
        """The checked ID token claims of the person the issuer sent back."""
        try:
            token = await self._app.authorize_access_token(request)
        except OAuthError as exc:
            log.info("OIDC sign-in refused: %s %s", exc.error, exc.description)
            raise OidcRefused(_refusal(exc)) from exc
        except JoseError as exc:
            log.info("OIDC ID token refused: %s", exc)
            raise OidcRefused("The sign-in response could not be verified. Try signing in again.") from exc
        except (*NETWORK_ERRORS, ValueError, RuntimeError) as exc:
            raise OidcUnavailable(str(exc) or type(exc).__name__) from exc
        claims = token.get("userinfo")
        if not claims:
            raise OidcRefused("The identity provider sent no ID token. Try signing in again.")
        return dict(claims)


def _refusal(error: OAuthError) -> str:
    if error.error == "mismatching_state":
        return "This sign-in link has expired or was already used. Start signing in again."
    if error.error == "access_denied":
        return "Sign-in was cancelled or refused by your identity provider."
    return "Your identity provider refused the sign-in. Try again, or ask an administrator."
