"""Accounts for people who sign in through an OpenID Connect issuer, made and kept up to date from their claims."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import IntegrityError

from data360_chat.auth.local_accounts import EMAIL_MAX, EMAIL_PATTERN, AccountError
from data360_chat.db.engine import Database
from data360_chat.db.models import User, utcnow
from data360_chat.repositories import users


@dataclass(frozen=True)
class AdminRule:
    """Who is an admin: a value of a group/role claim, or an email on the list."""

    claim: str
    values: frozenset[str]
    emails: frozenset[str]

    def grants(self, claims: Mapping[str, Any], email: str) -> bool:
        """Whether these claims make the person an admin."""
        if email in self.emails:
            return True
        held = claims.get(self.claim)
        held_values = {held} if isinstance(held, str) else set(held) if isinstance(held, list | tuple) else set()
        return bool(self.values & {str(value) for value in held_values})


def email_from_claims(claims: Mapping[str, Any]) -> str:
    """The person's email: `email`, else an email-shaped `preferred_username` or `upn` (Azure AD)."""
    if claims.get("email_verified") is False:
        raise AccountError("email_unverified")
    for name in ("email", "preferred_username", "upn"):
        value = claims.get(name)
        if isinstance(value, str):
            email = users.normalize_email(value)
            if len(email) <= EMAIL_MAX and EMAIL_PATTERN.match(email):
                return email
    raise AccountError("no_email")


def name_from_claims(claims: Mapping[str, Any], email: str) -> str:
    """A display name from `name`, `given_name` + `family_name`, or the email."""
    name = claims.get("name")
    if not isinstance(name, str) or not name.strip():
        parts = [claims.get("given_name"), claims.get("family_name")]
        name = " ".join(part for part in parts if isinstance(part, str) and part.strip())
    return " ".join(name.split())[:200] or email.split("@", 1)[0]


async def account_for_claims(
    database: Database, issuer: str, claims: Mapping[str, Any], rule: AdminRule, *, refresh: bool
) -> User:
    """The account of `(issuer, sub)`, created if new; `refresh` updates email, name and admin from the claims.

    An existing local account with the same email is linked to the identity; an email already linked to another
    identity is refused.
    """
    subject = claims.get("sub")
    if not isinstance(subject, str) or not subject:
        raise AccountError("no_subject")
    async with database.session() as session:
        user = await users.get_user_by_identity(session, issuer, subject)
        if user is not None and not refresh:
            return user
    email = email_from_claims(claims)
    name = name_from_claims(claims, email)
    admin = rule.grants(claims, email)
    try:
        async with database.session() as session:
            await users.lock_account_creation(session)
            user = await users.get_user_by_identity(session, issuer, subject)
            if user is None:
                user = await users.get_user_by_email(session, email)
                if user is not None and user.oidc_subject is not None:
                    raise AccountError("email_conflict")
            fields: dict[str, object] = {"display_name": name, "is_admin": admin}
            if refresh:
                fields["last_login_at"] = utcnow()
            if user is None:
                user = await users.create_user(session, email, oidc_issuer=issuer, oidc_subject=subject)
            return await users.update_user(
                session, user.id, email=email, oidc_issuer=issuer, oidc_subject=subject, **fields
            )
    except IntegrityError as exc:
        raise AccountError("email_conflict") from exc
