"""The sign-in page: email and password, or the organisation's identity provider."""

from __future__ import annotations

import reflex as rx

from data360_chat.ui.components.auth_forms import auth_card, field, hidden, notices, post_form
from data360_chat.ui.state.auth import AuthFormState


def _local_form() -> rx.Component:
    return rx.vstack(
        post_form(
            "/auth/sign-in",
            rx.vstack(
                field("Email", "email", input_type="email", autocomplete="username", required=True, auto_focus=True),
                field("Password", "password", input_type="password", autocomplete="current-password", required=True),
                hidden("next", AuthFormState.next_path),
                rx.button("Sign in", type="submit", size="3", width="100%"),
                spacing="3",
                width="100%",
            ),
            width="100%",
        ),
        rx.cond(
            AuthFormState.signup_open,
            rx.text(
                "No account yet? ",
                rx.link("Create one", href=AuthFormState.sign_up_href),
                size="2",
            ),
        ),
        spacing="3",
        width="100%",
    )


def _organisation_button() -> rx.Component:
    # A document navigation, not the page's client-side router (which does not know the server's /auth routes),
    # and a link rather than a form: the Content-Security-Policy lets forms go only to this site, not the issuer.
    return rx.button(
        rx.link(
            "Sign in with your organisation", href=AuthFormState.oidc_login_href, reload_document=True, underline="none"
        ),
        as_child=True,
        size="3",
        width="100%",
    )


def sign_in_page() -> rx.Component:
    """Sign in."""
    return auth_card(
        "Sign in",
        notices(AuthFormState.error, AuthFormState.notice),
        rx.cond(AuthFormState.oidc_mode, _organisation_button(), _local_form()),
    )
