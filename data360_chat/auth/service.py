"""The process-wide sign-in service: who a cookie or an `Authorization` header belongs to, and the account actions.

Every HTTP route and every Reflex event asks this service on each request or event; nothing the browser says
about who it is is trusted.
"""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta
from functools import cached_property, lru_cache

import redis.asyncio as aioredis

from data360_chat.auth.api_keys import looks_like_api_key, user_id_for_api_key
from data360_chat.auth.bearer import BearerConfig, BearerTokenVerifier, InvalidToken, IssuerUnavailable
from data360_chat.auth.identity import CurrentUser, Via
from data360_chat.auth.local_accounts import AccountError, LocalAccounts
from data360_chat.auth.oidc import OidcClient, OidcUnavailable
from data360_chat.auth.oidc_users import IdentityRules, account_for_claims
from data360_chat.auth.secret_key import load_secret_key
from data360_chat.auth.sessions import DatabaseSessions, RedisSessions, SessionPolicy, SessionStore
from data360_chat.db.engine import Database, get_database
from data360_chat.observability import context
from data360_chat.rate_limits import AttemptLimit, windows_for
from data360_chat.repositories.users import get_user, normalize_email
from data360_chat.settings import Settings, get_settings

log = logging.getLogger(__name__)


def cookie_value(cookie_header: str, name: str) -> str | None:
    """The value of one cookie in a `Cookie` header (None if absent); other cookies, however odd, do not matter."""
    for pair in (cookie_header or "").split(";"):
        key, sep, value = pair.strip().partition("=")
        if sep and key.strip() == name and value.strip():
            return value.strip().strip('"')
    return None


class AuthService:
    """Sessions, local accounts, OIDC, bearer tokens and API keys over one database (and Redis when given)."""

    def __init__(self, settings: Settings, database: Database, redis_client: aioredis.Redis | None = None) -> None:
        self.settings = settings
        self.database = database
        policy = SessionPolicy(
            idle=timedelta(minutes=settings.session_idle_minutes),
            absolute=timedelta(hours=settings.session_absolute_hours),
        )
        self.sessions: SessionStore = (
            RedisSessions(redis_client, policy) if redis_client is not None else DatabaseSessions(database, policy)
        )
        windows = windows_for(redis_client)
        self.local = LocalAccounts(
            database,
            sign_ins=AttemptLimit(windows, limit=settings.login_rate_limit, window=60, scope="sign_in"),
            sign_ups=AttemptLimit(windows, limit=settings.signup_rate_limit, window=3600, scope="sign_up"),
            signup_open=settings.signup_open,
            admin_emails=settings.admin_emails,
        )
        self.identity_rules = IdentityRules(
            claim=settings.oidc_admin_claim,
            values=frozenset(settings.oidc_admin_values),
            emails=frozenset(normalize_email(email) for email in settings.admin_emails),
            link_verified_emails=settings.oidc_link_verified_emails,
            organisation_claim=settings.oidc_tenant_claim,
        )
        self.oidc: OidcClient | None = OidcClient(settings) if settings.oidc_discovery_url else None
        self.bearer: BearerTokenVerifier | None = self._bearer_verifier()

    @cached_property
    def secret_key(self) -> bytes:
        """The server secret (signs the short-lived OIDC state cookie)."""
        return load_secret_key(self.settings)

    @property
    def cookie_name(self) -> str:
        """Name of the session cookie."""
        return self.settings.session_cookie_name

    def _bearer_verifier(self) -> BearerTokenVerifier | None:
        settings, oidc = self.settings, self.oidc
        audience = settings.jwt_audience or settings.oidc_client_id
        if not audience or not (settings.jwt_jwks_url or oidc):
            return None

        async def config() -> BearerConfig:
            try:
                issuer = settings.jwt_issuer or (await oidc.issuer() if oidc else None)
                jwks_url = settings.jwt_jwks_url or (await oidc.jwks_url() if oidc else None)
            except OidcUnavailable as exc:
                raise IssuerUnavailable(str(exc)) from exc
            if not issuer or not jwks_url:
                raise IssuerUnavailable("set JWT_ISSUER and JWT_JWKS_URL, or OIDC_DISCOVERY_URL")
            return BearerConfig(issuer=issuer, audience=audience, jwks_url=jwks_url)

        return BearerTokenVerifier(config, leeway=settings.jwt_leeway_seconds)

    async def _current(self, user_id: uuid.UUID | None, via: Via) -> CurrentUser | None:
        """The active user `user_id` (bound to the log context), else None."""
        current = None
        if user_id is not None:
            async with self.database.session() as session:
                user = await get_user(session, user_id)
            current = CurrentUser.of(user, via) if user is not None and user.is_active else None
        context.bind_user(current.id if current is not None else None)
        return current

    async def user_from_session(self, token: str | None) -> CurrentUser | None:
        """The user of a live session token (the cookie's value), else None."""
        if not token or len(token) > 200:
            return None
        return await self._current(await self.sessions.user_id_for(token), "session")

    async def user_from_cookies(self, cookie_header: str) -> CurrentUser | None:
        """The user whose session cookie is in this `Cookie` header, else None."""
        return await self.user_from_session(cookie_value(cookie_header, self.cookie_name))

    async def user_from_authorization(self, header: str | None) -> CurrentUser | None:
        """The user of an `Authorization: Bearer <JWT or API key>` header, else None."""
        scheme, _, credential = (header or "").strip().partition(" ")
        credential = credential.strip()
        if scheme.lower() != "bearer" or not credential:
            return None
        if looks_like_api_key(credential):
            return await self._current(await user_id_for_api_key(self.database, credential), "api_key")
        if self.bearer is None:
            return None
        try:
            claims = await self.bearer.verify(credential)
            user = await account_for_claims(self.database, claims["iss"], claims, self.identity_rules, refresh=False)
        except (InvalidToken, AccountError) as exc:
            log.info("bearer token refused: %s", exc)
            return None
        except IssuerUnavailable as exc:
            log.warning("bearer tokens cannot be checked: %s", exc)
            return None
        return await self._current(user.id, "bearer")

    async def change_password(
        self, user_id: uuid.UUID, current: str, new: str, *, ip: str, keep_session: str | None
    ) -> int:
        """Change a local password and end the account's other sessions; returns how many ended."""
        await self.local.change_password(user_id, current, new, ip=ip)
        return await self.sessions.end_all(user_id, keep_token=keep_session)


def redis_client(url: str | None) -> aioredis.Redis | None:
    """A Redis client for `REDIS_URL`, or None."""
    return aioredis.Redis.from_url(url) if url else None


@lru_cache(maxsize=1)
def get_auth_service() -> AuthService:
    """The process-wide service over the app's database and Redis (when configured)."""
    settings = get_settings()
    return AuthService(settings, get_database(), redis_client(settings.redis_url))
