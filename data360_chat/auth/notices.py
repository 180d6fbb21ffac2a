"""What the sign-in pages tell people, by code: routes redirect with `?error=<code>`, pages look the text up.

Only these fixed texts are ever shown, so a crafted link cannot put words of its own on our pages.
"""

from __future__ import annotations

from data360_chat.auth.passwords import MAX_LENGTH, MIN_LENGTH

NOTICES: dict[str, str] = {
    "wrong_credentials": "Wrong email or password.",
    "rate_limited": "Too many failed sign-ins. Wait a minute, then try again.",
    "invalid_email": "Enter a valid email address, like name@example.org.",
    "password_short": f"Use at least {MIN_LENGTH} characters for the password.",
    "password_long": f"Use at most {MAX_LENGTH} characters for the password.",
    "password_blank": "The password cannot be only spaces.",
    "password_mismatch": "The two passwords do not match.",
    "signup_limited": "Too many accounts were created from this address. Try again in an hour.",
    "signup_refused": "No account was created with this email and password. If you already have one, sign in.",
    "signup_closed": "Sign-up is closed on this server. Ask an administrator for an account.",
    "wrong_current_password": "The current password is wrong.",
    "no_local_password": "This account signs in through your organisation; change the password there.",
    "account_gone": "This account no longer exists.",
    "account_disabled": "This account is disabled. Ask an administrator to enable it again.",
    "local_disabled": "This server signs people in through their organisation.",
    "oidc_disabled": "Sign-in through an organisation is not set up on this server.",
    "bad_origin": "The form was sent from another site. Reload this page and try again.",
    "session_ended": "Your session has ended. Sign in again.",
    "signed_out": "You are signed out.",
    "no_email": "Your identity provider did not share an email address, which this app needs.",
    "email_unverified": "Your identity provider has not verified your email address.",
    "no_subject": "Your identity provider sent a token without a subject.",
    "email_conflict": "This email belongs to another account. Ask an administrator for help.",
}


def notice(code: str | None) -> str:
    """The text for a code, or "" for an unknown or missing one."""
    return NOTICES.get(code or "", "")
