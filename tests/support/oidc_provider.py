"""A small OpenID Connect provider on loopback, built from authlib's authorization-server pieces.

It serves discovery, JWKS, an authorize endpoint (a one-field sign-in form: the username) and a token endpoint
(authorization code + PKCE, client_secret_basic / client_secret_post), and signs real RS256 ID tokens. Tests
use it to sign in through the app in a browser, and to mint bearer access tokens:

    with OpenIdProvider() as idp:
        idp.add_user("ada", email="ada@example.org", name="Ada", roles=["d360-admins"])
        idp.allow_redirect_uri("http://localhost:1234/auth/oidc/callback")
        token = idp.access_token("ada", audience="d360-api")

Faults for tests: `rotate_key()` (new signing key, old one kept or dropped), `id_token_overrides` (claims
written over those of the next ID tokens: a wrong nonce, audience or issuer), `stop()`/`start()` (an issuer
that is down), `requests` (paths served, to see when JWKS was fetched again).
"""

from __future__ import annotations

import html
import secrets
import threading
import time
from typing import Any
from urllib.parse import urlencode

import uvicorn
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from tests.support.net import free_port
from tests.support.oidc_server import AuthorizationCode, Client, ProviderRequest, Server

CLIENT_ID = "d360-chat"
CLIENT_SECRET = "test-client-secret"
API_AUDIENCE = "d360-api"


def new_key() -> RSAKey:
    """A fresh 2048-bit RSA signing key with a random key id."""
    return RSAKey.generate_key(2048, parameters={"kid": secrets.token_hex(6), "use": "sig", "alg": "RS256"})


class OpenIdProvider:
    """An OpenID provider on 127.0.0.1, run by uvicorn in a thread."""

    def __init__(self, *, port: int | None = None) -> None:
        self.port = port or free_port()
        self.issuer = f"http://127.0.0.1:{self.port}"
        self.clients = {CLIENT_ID: Client(CLIENT_ID, CLIENT_SECRET)}
        self.users: dict[str, dict[str, Any]] = {}
        self.codes: dict[str, AuthorizationCode] = {}
        self.used_nonces: set[str] = set()
        self.keys: list[RSAKey] = [new_key()]
        self.id_token_overrides: dict[str, Any] = {}
        self.requests: list[str] = []
        self.server = Server(self)
        self._uvicorn: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    # -- configuration used by tests

    @property
    def discovery_url(self) -> str:
        """Where the discovery document is."""
        return f"{self.issuer}/.well-known/openid-configuration"

    @property
    def signing_key(self) -> RSAKey:
        """The key new tokens are signed with (the newest)."""
        return self.keys[-1]

    def add_user(self, username: str, *, email: str | None, name: str = "", **claims: Any) -> dict[str, Any]:
        """A person who can sign in here; `sub` is stable and opaque."""
        user = {"username": username, "sub": f"sub-{username}-{secrets.token_hex(4)}", "name": name, **claims}
        if email is not None:
            user["email"] = email
        self.users[username] = user
        return user

    def allow_redirect_uri(self, uri: str) -> None:
        """Register the app's callback address."""
        self.clients[CLIENT_ID].redirect_uris.add(uri)

    def rotate_key(self, *, keep_old: bool = True) -> RSAKey:
        """Start signing with a new key; the old one stays published unless `keep_old` is False."""
        key = new_key()
        self.keys = [*self.keys, key] if keep_old else [key]
        return key

    def access_token(
        self,
        username: str,
        *,
        audience: str = API_AUDIENCE,
        issuer: str | None = None,
        expires_in: int = 300,
        not_before: int | None = None,
        key: RSAKey | None = None,
        kid: str | None = None,
    ) -> str:
        """A JWT access token for the user, signed RS256 (by default with the current key)."""
        user = self.users[username]
        now = int(time.time())
        claims = {
            "iss": issuer or self.issuer,
            "sub": user["sub"],
            "aud": audience,
            "iat": now,
            "exp": now + expires_in,
            "client_id": CLIENT_ID,
            "scope": "openid email profile",
            **{k: v for k, v in user.items() if k in ("email", "email_verified", "name", "roles")},
        }
        if not_before is not None:
            claims["nbf"] = not_before
        signer = key or self.signing_key
        header = {"alg": "RS256", "typ": "at+jwt", "kid": kid or signer.kid or ""}
        return jwt.encode(header, claims, signer, algorithms=["RS256"])

    # -- endpoints

    async def discovery(self, request: Request) -> Response:
        self.requests.append(request.url.path)
        return JSONResponse(
            {
                "issuer": self.issuer,
                "authorization_endpoint": f"{self.issuer}/authorize",
                "token_endpoint": f"{self.issuer}/token",
                "jwks_uri": f"{self.issuer}/jwks",
                "response_types_supported": ["code"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "code_challenge_methods_supported": ["S256"],
                "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
                "scopes_supported": ["openid", "email", "profile"],
            }
        )

    async def jwks(self, request: Request) -> Response:
        self.requests.append(request.url.path)
        return JSONResponse(KeySet(self.keys).as_dict(private=False))

    async def authorize(self, request: Request) -> Response:
        self.requests.append(request.url.path)
        oauth_request = await ProviderRequest.read(request)
        if request.method == "GET":
            try:
                self.server.get_consent_grant(oauth_request)
            except Exception as exc:  # an invalid request is shown, never followed
                return HTMLResponse(f"<h1>Invalid request</h1><p>{html.escape(str(exc))}</p>", status_code=400)
            return HTMLResponse(self._sign_in_form(request))
        user = self.users.get(oauth_request.form.get("username", ""))
        response = self.server.create_authorization_response(oauth_request, grant_user=user)
        if user is not None and oauth_request.payload.data.get("nonce"):
            self.used_nonces.add(oauth_request.payload.data["nonce"])
        return response

    def _sign_in_form(self, request: Request) -> str:
        action = html.escape(f"/authorize?{urlencode(dict(request.query_params))}", quote=True)
        return (
            "<!doctype html><html><head><title>Test identity provider</title></head><body>"
            "<h1>Test identity provider</h1>"
            f'<form method="post" action="{action}">'
            '<label for="username">Username</label> <input id="username" name="username" autofocus>'
            '<button type="submit">Continue</button></form></body></html>'
        )

    async def token(self, request: Request) -> Response:
        self.requests.append(request.url.path)
        return self.server.create_token_response(await ProviderRequest.read(request))

    def app(self) -> Starlette:
        """The provider's HTTP app."""
        return Starlette(
            routes=[
                Route("/.well-known/openid-configuration", self.discovery),
                Route("/jwks", self.jwks),
                Route("/authorize", self.authorize, methods=["GET", "POST"]),
                Route("/token", self.token, methods=["POST"]),
            ]
        )

    # -- running

    def start(self) -> OpenIdProvider:
        """Serve on the provider's port (again, after `stop()`)."""
        config = uvicorn.Config(self.app(), host="127.0.0.1", port=self.port, log_level="warning", lifespan="off")
        self._uvicorn = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._uvicorn.run, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._uvicorn.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the OpenID provider did not start")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        """Stop serving: the issuer is down (connections refused)."""
        if self._uvicorn is not None and self._thread is not None:
            self._uvicorn.should_exit = True
            self._thread.join(timeout=10)
        self._uvicorn = self._thread = None

    def __enter__(self) -> OpenIdProvider:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
