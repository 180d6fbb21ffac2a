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
class IdentityRules:
    """How an identity from the issuer becomes an account: who is an admin, and whether an email may link.

    An identity is its issuer + subject, nothing else. Its email links it to an existing account only when the
    issuer says the email is verified and `link_verified_emails` allows it. Roles come from the admin claim when
    one is configured (`values`); otherwise a token never changes them, except that a verified email listed in
    `emails` makes its account an admin.
    """

    claim: str
    values: frozenset[str]
    emails: frozenset[str]
    link_verified_emails: bool = False
    organisation_claim: str = "tid"

    def organisation(self, claims: Mapping[str, Any]) -> str | None:
        """The organisation the issuer names in its tenant claim (None when the claim is absent or empty)."""
        value = claims.get(self.organisation_claim)
        text = str(value).strip() if isinstance(value, str | int) and not isinstance(value, bool) else ""
        return text[:255] or None

    def admin(self, claims: Mapping[str, Any], email: str) -> bool | None:
        """Whether these claims make the person an admin; None when they say nothing about it."""
        listed = email in self.emails and email_verified(claims)
        if not self.values:
            return True if listed else None
        held = claims.get(self.claim)
        held_values = {held} if isinstance(held, str) else set(held) if isinstance(held, list | tuple) else set()
        return listed or bool(self.values & {str(value) for value in held_values})


def email_verified(claims: Mapping[str, Any]) -> bool:
    """Whether the issuer vouches for the email (`email_verified` true, as a boolean or the string "true")."""
    return claims.get("email_verified") in (True, "true")


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
    database: Database, issuer: str, claims: Mapping[str, Any], rules: IdentityRules, *, refresh: bool
) -> User:
    """The account of `(issuer, sub)`, created if new; `refresh` updates email, name and role from the claims.

    An existing account with the same email is linked only as `rules` allow (a verified email, linking allowed);
    otherwise the sign-in is refused (`email_conflict`), so a token cannot take over an account by its email.
    """
    subject = claims.get("sub")
    if not isinstance(subject, str) or not subject:
        raise AccountError("no_subject")
    async with database.session() as session:
        user = await users.get_user_by_identity(session, issuer, subject)
        if user is not None and not refresh:
            return user
    email = email_from_claims(claims)
    admin = rules.admin(claims, email)
    try:
        async with database.session() as session:
            await users.lock_account_creation(session)
            user = await users.get_user_by_identity(session, issuer, subject)
            if user is None:
                user = await users.get_user_by_email(session, email)
                linkable = rules.link_verified_emails and email_verified(claims)
                if user is not None and (user.oidc_subject is not None or not linkable):
                    raise AccountError("email_conflict")
            if user is None:
                user = await users.create_user(
                    session,
                    email,
                    display_name=name_from_claims(claims, email),
                    is_admin=bool(admin),
                    oidc_issuer=issuer,
                    oidc_subject=subject,
                    organisation=rules.organisation(claims),
                )
                if not refresh:
                    return user
            elif not refresh:  # a bearer token links the identity and changes nothing else
                return await users.update_user(session, user.id, oidc_issuer=issuer, oidc_subject=subject)
            fields: dict[str, object] = {
                "email": email,
                "display_name": name_from_claims(claims, email),
                "organisation": rules.organisation(claims),
            }
            if admin is not None:
                fields["is_admin"] = admin
            if refresh:
                fields["last_login_at"] = utcnow()
            return await users.update_user(session, user.id, oidc_issuer=issuer, oidc_subject=subject, **fields)
    except IntegrityError as exc:
        raise AccountError("email_conflict") from exc
