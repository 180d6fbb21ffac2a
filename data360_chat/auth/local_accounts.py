"""Email + password accounts: sign up, sign in (rate limited, one generic failure), change password."""

from __future__ import annotations

import re
import uuid

from sqlalchemy.exc import IntegrityError

from data360_chat.auth.notices import NOTICES
from data360_chat.auth.passwords import (
    MAX_LENGTH,
    MIN_LENGTH,
    hash_password,
    needs_rehash,
    verify_password,
)
from data360_chat.auth.rate_limit import SignInLimiter
from data360_chat.db.engine import Database
from data360_chat.db.models import User, utcnow
from data360_chat.repositories import users

EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
EMAIL_MAX = 320
NAME_MAX = 200


class AccountError(Exception):
    """A sign-up, sign-in or password change was refused; `code` names the notice shown to the person."""

    def __init__(self, code: str) -> None:
        super().__init__(NOTICES[code])
        self.code = code


def check_email(email: str) -> str:
    """The normalised email, or `AccountError` if it does not look like one."""
    normalized = users.normalize_email(email)
    if len(normalized) > EMAIL_MAX or not EMAIL_PATTERN.match(normalized):
        raise AccountError("invalid_email")
    return normalized


def check_new_password(password: str) -> None:
    """`AccountError` unless the password meets the rules."""
    if len(password) < MIN_LENGTH:
        raise AccountError("password_short")
    if len(password) > MAX_LENGTH:
        raise AccountError("password_long")
    if not password.strip():
        raise AccountError("password_blank")


class LocalAccounts:
    """Local accounts over the database, with failed sign-ins counted by `limiter`."""

    def __init__(
        self, database: Database, limiter: SignInLimiter, *, signup_open: bool, admin_emails: list[str]
    ) -> None:
        self.database = database
        self.limiter = limiter
        self.signup_open = signup_open
        self.admin_emails = {users.normalize_email(email) for email in admin_emails}

    async def sign_up(self, email: str, password: str, display_name: str = "") -> User:
        """Create an account; the very first account, and any in `ADMIN_EMAILS`, is an admin."""
        if not self.signup_open:
            raise AccountError("signup_closed")
        email = check_email(email)
        check_new_password(password)
        password_hash = await hash_password(password)
        name = " ".join(display_name.split())[:NAME_MAX] or email.split("@", 1)[0]
        try:
            async with self.database.session() as session:
                await users.lock_account_creation(session)
                if await users.get_user_by_email(session, email) is not None:
                    raise AccountError("email_taken")
                first = await users.count_users(session) == 0
                user = await users.create_user(
                    session,
                    email,
                    display_name=name,
                    password_hash=password_hash,
                    is_admin=first or email in self.admin_emails,
                )
                user.last_login_at = utcnow()
        except IntegrityError as exc:
            raise AccountError("email_taken") from exc
        return user

    async def sign_in(self, email: str, password: str, *, ip: str) -> User:
        """The account if the password is right; otherwise one generic `AccountError` (or `rate_limited`)."""
        normalized = users.normalize_email(email)[:EMAIL_MAX]
        if await self.limiter.blocked(normalized, ip):
            raise AccountError("rate_limited")
        async with self.database.session() as session:
            user = await users.get_user_by_email(session, normalized) if normalized else None
        stored_hash = user.password_hash if user is not None and user.is_active else None
        if not await verify_password(stored_hash, password):  # same work whether or not the account exists
            await self.limiter.failed(normalized, ip)
            raise AccountError("wrong_credentials")
        assert user is not None and stored_hash is not None
        changes: dict[str, object] = {"last_login_at": utcnow()}
        if needs_rehash(stored_hash):
            changes["password_hash"] = await hash_password(password)
        async with self.database.session() as session:
            return await users.update_user(session, user.id, **changes)

    async def change_password(self, user_id: uuid.UUID, current: str, new: str, *, ip: str) -> None:
        """Replace the user's password after checking the current one (failures count towards the limit)."""
        async with self.database.session() as session:
            user = await users.get_user(session, user_id)
        if user is None or not user.is_active:
            raise AccountError("account_gone")
        if user.password_hash is None:
            raise AccountError("no_local_password")
        if await self.limiter.blocked(user.email, ip):
            raise AccountError("rate_limited")
        if not await verify_password(user.password_hash, current):
            await self.limiter.failed(user.email, ip)
            raise AccountError("wrong_current_password")
        check_new_password(new)
        new_hash = await hash_password(new)
        async with self.database.session() as session:
            await users.update_user(session, user_id, password_hash=new_hash)
