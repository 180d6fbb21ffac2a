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
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar
from urllib.parse import urlencode

import uvicorn
from authlib.oauth2 import AuthorizationServer
from authlib.oauth2.rfc6749 import AuthorizationCodeMixin, ClientMixin, OAuth2Payload, OAuth2Request, grants
from authlib.oauth2.rfc6750 import BearerTokenGenerator
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oidc.core import OpenIDCode, UserInfo
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from tests.support.net import free_port

CLIENT_ID = "d360-chat"
CLIENT_SECRET = "test-client-secret"
API_AUDIENCE = "d360-api"


def new_key() -> RSAKey:
    """A fresh 2048-bit RSA signing key with a random key id."""
    return RSAKey.generate_key(2048, parameters={"kid": secrets.token_hex(6), "use": "sig", "alg": "RS256"})


# --- authlib models --------------------------------------------------------------------------------------------


@dataclass
class Client(ClientMixin):
    """The app, registered as a confidential client."""

    client_id: str
    client_secret: str
    redirect_uris: set[str] = field(default_factory=set)

    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> str | None:
        return next(iter(self.redirect_uris), None)

    def get_allowed_scope(self, scope: str) -> str:
        return " ".join(s for s in (scope or "").split() if s in ("openid", "email", "profile"))

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri in self.redirect_uris

    def check_client_secret(self, client_secret: str) -> bool:
        return secrets.compare_digest(client_secret, self.client_secret)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return method in ("client_secret_basic", "client_secret_post")

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type == "authorization_code"


@dataclass
class AuthorizationCode(AuthorizationCodeMixin):
    """One code handed to the app's callback, good for one exchange within a minute."""

    code: str
    client_id: str
    redirect_uri: str
    scope: str
    username: str
    nonce: str | None
    code_challenge: str | None
    code_challenge_method: str | None
    auth_time: int = field(default_factory=lambda: int(time.time()))

    def get_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope

    def get_nonce(self) -> str | None:
        return self.nonce

    def get_auth_time(self) -> int:
        return self.auth_time

    def get_acr(self) -> None:
        return None

    def get_amr(self) -> None:
        return None

    def is_expired(self) -> bool:
        return time.time() - self.auth_time > 60


class Payload(OAuth2Payload):
    """Query and form parameters of one request."""

    def __init__(self, data: dict[str, str], datalist: dict[str, list[str]]) -> None:
        self._data = data
        self._datalist = datalist

    @property
    def data(self) -> dict[str, str]:
        return self._data

    @property
    def datalist(self) -> dict[str, list[str]]:
        return self._datalist


class ProviderRequest(OAuth2Request):
    """An already-read Starlette request in the shape authlib's server expects."""

    def __init__(self, method: str, uri: str, headers: Mapping[str, str], args: dict, form: dict) -> None:
        super().__init__(method=method, uri=uri, headers=headers)
        self._args, self._form = args, form
        datalist: dict[str, list[str]] = defaultdict(list)
        for source in (args, form):
            for key, value in source.items():
                datalist[key].append(value)
        self.payload = Payload({**args, **form}, datalist)

    @property
    def args(self) -> dict[str, str]:
        return self._args

    @property
    def form(self) -> dict[str, str]:
        return self._form

    @classmethod
    async def read(cls, request: Request) -> ProviderRequest:
        """Read query string and form body."""
        form = dict(await request.form()) if request.method == "POST" else {}
        return cls(request.method, str(request.url), request.headers, dict(request.query_params), form)


class CodeGrant(grants.AuthorizationCodeGrant):
    """Authorization code grant keeping codes in the provider's memory."""

    TOKEN_ENDPOINT_AUTH_METHODS: ClassVar[list[str]] = ["client_secret_basic", "client_secret_post"]

    def save_authorization_code(self, code: str, request: OAuth2Request) -> None:
        data = request.payload.data
        self.server.provider.codes[code] = AuthorizationCode(
            code=code,
            client_id=request.client.client_id,
            redirect_uri=request.payload.redirect_uri,
            scope=request.payload.scope,
            username=request.user["username"],
            nonce=data.get("nonce"),
            code_challenge=data.get("code_challenge"),
            code_challenge_method=data.get("code_challenge_method"),
        )

    def query_authorization_code(self, code: str, client: Client) -> AuthorizationCode | None:
        found = self.server.provider.codes.get(code)
        if found is not None and found.client_id == client.client_id and not found.is_expired():
            return found
        return None

    def delete_authorization_code(self, authorization_code: AuthorizationCode) -> None:
        self.server.provider.codes.pop(authorization_code.code, None)

    def authenticate_user(self, authorization_code: AuthorizationCode) -> dict[str, Any]:
        return self.server.provider.users[authorization_code.username]


class IdTokens(OpenIDCode):
    """ID tokens signed RS256 with the provider's current key, nonce required."""

    def __init__(self, provider: OpenIdProvider) -> None:
        super().__init__(require_nonce=True)
        self.provider = provider

    def exists_nonce(self, nonce: str, request: OAuth2Request) -> bool:
        return nonce in self.provider.used_nonces

    def resolve_client_private_key(self, client: Client) -> RSAKey:
        return self.provider.signing_key

    def get_client_algorithm(self, client: Client) -> str:
        return "RS256"

    def get_encode_header(self, client: Client) -> dict[str, str]:
        return {"alg": "RS256", "kid": self.provider.signing_key.kid or ""}

    def get_client_claims(self, client: Client) -> dict[str, Any]:
        return {"iss": self.provider.issuer, "aud": [client.client_id], "exp": int(time.time()) + 300}

    def generate_user_info(self, user: dict[str, Any], scope: str) -> UserInfo:
        claims = {key: value for key, value in user.items() if key != "username"}
        claims.update(self.provider.id_token_overrides)
        return UserInfo(claims)


class Server(AuthorizationServer):
    """authlib's authorization server over the provider's memory."""

    def __init__(self, provider: OpenIdProvider) -> None:
        super().__init__(scopes_supported=["openid", "email", "profile"])
        self.provider = provider
        self.register_token_generator("default", BearerTokenGenerator(lambda **_: secrets.token_urlsafe(32)))
        self.register_grant(CodeGrant, [CodeChallenge(required=True), IdTokens(provider)])

    def query_client(self, client_id: str) -> Client | None:
        return self.provider.clients.get(client_id)

    def save_token(self, token: dict, request: OAuth2Request) -> None:
        """Access tokens from the token endpoint are not used by anyone here."""

    def create_oauth2_request(self, request: ProviderRequest) -> ProviderRequest:
        return request

    def handle_response(self, status: int, body: Any, headers: list[tuple[str, str]]) -> Response:
        if isinstance(body, dict):
            return JSONResponse(body, status_code=status, headers=dict(headers))
        return Response(body or "", status_code=status, headers=dict(headers))

    def send_signal(self, name: str, *args: Any, **kwargs: Any) -> None:
        """No signals."""


# --- The provider ------------------------------------------------------------------------------------------------


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
            **{k: v for k, v in user.items() if k in ("email", "name", "roles")},
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
