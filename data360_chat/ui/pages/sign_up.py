"""The sign-up page (when sign-up is open)."""

from __future__ import annotations

import reflex as rx

from data360_chat.ui.components.auth_forms import auth_card, field, hidden, notices, post_form
from data360_chat.ui.state.auth import AuthFormState


def _form() -> rx.Component:
    return post_form(
        "/auth/sign-up",
        rx.vstack(
            field("Name", "display_name", autocomplete="name", max_length=200),
            field("Email", "email", input_type="email", autocomplete="username", required=True),
            field(
                "Password (at least 8 characters)",
                "password",
                input_type="password",
                autocomplete="new-password",
                required=True,
                min_length=8,
            ),
            field("Repeat the password", "password_confirm", input_type="password", autocomplete="new-password"),
            hidden("next", AuthFormState.next_path),
            rx.button("Create account", type="submit", size="3", width="100%"),
            spacing="3",
            width="100%",
        ),
        width="100%",
    )


def sign_up_page() -> rx.Component:
    """Create an account."""
    return auth_card(
        "Create an account",
        notices(AuthFormState.error, AuthFormState.notice),
        rx.cond(
            AuthFormState.signup_open & ~AuthFormState.oidc_mode,
            _form(),
            rx.callout(
                "Sign-up is closed on this server. Ask an administrator for an account.",
                icon="info",
                width="100%",
            ),
        ),
        rx.text("Already have an account? ", rx.link("Sign in", href=AuthFormState.sign_in_href), size="2"),
    )
