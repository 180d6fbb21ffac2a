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
from data360_chat.db.engine import Database
from data360_chat.db.models import User, utcnow
from data360_chat.rate_limits import AttemptLimit, RateLimited
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
    """Local accounts over the database.

    Each sign-in (and password change) is counted against the account and the address *before* the password is
    checked, so parallel guesses cannot slip past the limit; a sign-in that succeeds is not held against them.
    Sign-ups are counted per address.
    """

    def __init__(
        self,
        database: Database,
        *,
        sign_ins: AttemptLimit,
        sign_ups: AttemptLimit,
        signup_open: bool,
        admin_emails: list[str],
    ) -> None:
        self.database = database
        self.sign_ins = sign_ins
        self.sign_ups = sign_ups
        self.signup_open = signup_open
        self.admin_emails = {users.normalize_email(email) for email in admin_emails}

    async def _count(self, limit: AttemptLimit, *keys: str, refusal: str = "rate_limited") -> list[tuple[str, str]]:
        try:
            return await limit.take(*keys)
        except RateLimited as exc:
            raise AccountError(refusal) from exc

    async def sign_up(self, email: str, password: str, display_name: str = "", *, ip: str) -> User:
        """Create an account; the very first account, and any in `ADMIN_EMAILS`, is an admin.

        An email that already has an account is answered like a sign-in with that password (it signs in when the
        password is that account's; otherwise `signup_refused`, counted like a failed sign-in), with the same
        password work as a new account, so the answer never confirms that an email is registered.
        """
        if not self.signup_open:
            raise AccountError("signup_closed")
        email = check_email(email)
        check_new_password(password)
        await self._count(self.sign_ups, f"signup-ip:{ip or 'unknown'}", refusal="signup_limited")
        async with self.database.session() as session:
            registered = await users.get_user_by_email(session, email) is not None
        if not registered:
            password_hash = await hash_password(password)
            name = " ".join(display_name.split())[:NAME_MAX] or email.split("@", 1)[0]
            try:
                async with self.database.session() as session:
                    await users.lock_account_creation(session)
                    if await users.get_user_by_email(session, email) is None:
                        first = await users.count_users(session) == 0
                        user = await users.create_user(
                            session,
                            email,
                            display_name=name,
                            password_hash=password_hash,
                            is_admin=first or email in self.admin_emails,
                        )
                        user.last_login_at = utcnow()
                        return user
            except IntegrityError:
                pass  # created at the same moment by another request: answered as a sign-in below
        try:
            return await self.sign_in(email, password, ip=ip)
        except AccountError as exc:
            raise AccountError("signup_refused" if exc.code == "wrong_credentials" else exc.code) from None

    async def sign_in(self, email: str, password: str, *, ip: str) -> User:
        """The account if the password is right; otherwise one generic `AccountError` (or `rate_limited`)."""
        normalized = users.normalize_email(email)[:EMAIL_MAX]
        attempt = await self._count(self.sign_ins, f"account:{normalized}", f"ip:{ip or 'unknown'}")
        async with self.database.session() as session:
            user = await users.get_user_by_email(session, normalized) if normalized else None
        stored_hash = user.password_hash if user is not None else None
        if not await verify_password(stored_hash, password):  # same work whether or not the account exists
            raise AccountError("wrong_credentials")
        assert user is not None and stored_hash is not None
        if not user.is_active:  # told only to whoever knows the password
            raise AccountError("account_disabled")
        await self.sign_ins.give_back(attempt)
        changes: dict[str, object] = {"last_login_at": utcnow()}
        if needs_rehash(stored_hash):
            changes["password_hash"] = await hash_password(password)
        async with self.database.session() as session:
            return await users.update_user(session, user.id, **changes)

    async def change_password(self, user_id: uuid.UUID, current: str, new: str, *, ip: str) -> None:
        """Replace the user's password after checking the current one (attempts count towards the limit)."""
        async with self.database.session() as session:
            user = await users.get_user(session, user_id)
        if user is None or not user.is_active:
            raise AccountError("account_gone")
        if user.password_hash is None:
            raise AccountError("no_local_password")
        attempt = await self._count(self.sign_ins, f"account:{user.email}", f"ip:{ip or 'unknown'}")
        if not await verify_password(user.password_hash, current):
            raise AccountError("wrong_current_password")
        await self.sign_ins.give_back(attempt)
        check_new_password(new)
        new_hash = await hash_password(new)
        async with self.database.session() as session:
            await users.update_user(session, user_id, password_hash=new_hash)
