"""Pieces of the sign-in, sign-up and account pages.

Sign-in, sign-up and sign-out are native HTML form posts to `/auth/...` (not websocket events), so the server can
set and clear the HttpOnly session cookie and the page reloads with the new session.
"""

from __future__ import annotations

import reflex as rx
from reflex_components_core.el.elements.base import BaseHTML


class NativeForm(BaseHTML):
    """A `<form>` the browser submits itself (Reflex's own form always stays on the page)."""

    tag = "form"
    action: rx.Var[str]
    method: rx.Var[str]


def post_form(action: str, *children: rx.Component, **props: object) -> rx.Component:
    """A form that posts to one of the app's HTTP routes."""
    return NativeForm.create(*children, action=action, method="post", **props)


def auth_card(title: str, *children: rx.Component) -> rx.Component:
    """The centred card the sign-in pages are built of."""
    return rx.center(
        rx.card(
            rx.vstack(
                rx.link(rx.text("Data360 Chat", weight="bold", color_scheme="gray"), href="/", underline="none"),
                rx.heading(title, size="6", as_="h1"),
                *children,
                spacing="4",
                width="100%",
            ),
            size="3",
            width="100%",
            max_width="26rem",
        ),
        min_height="100vh",
        padding="1rem",
    )


def notices(error: rx.Var[str], notice: rx.Var[str]) -> rx.Component:
    """An error (red, announced) and an informational notice, each shown only when set."""
    return rx.fragment(
        rx.cond(
            error != "",
            rx.callout(error, icon="triangle_alert", color_scheme="red", role="alert", width="100%", id="form-error"),
        ),
        rx.cond(
            notice != "",
            rx.callout(notice, icon="info", color_scheme="grass", role="status", width="100%", id="form-notice"),
        ),
    )


def field(label: str, name: str, *, input_type: str = "text", autocomplete: str = "", **props: object) -> rx.Component:
    """A labelled input."""
    field_id = f"field-{name}"
    return rx.vstack(
        rx.el.label(label, html_for=field_id, style={"fontWeight": 500, "fontSize": "0.9rem"}),
        rx.input(id=field_id, name=name, type=input_type, auto_complete=autocomplete, width="100%", size="3", **props),
        spacing="1",
        width="100%",
    )


def hidden(name: str, value: rx.Var[str] | str) -> rx.Component:
    """A hidden form value."""
    return rx.el.input(type="hidden", name=name, value=value)


def sign_out_form(*, everywhere: bool = False) -> rx.Component:
    """A button that ends this session (or, `everywhere`, every session of the account)."""
    label = "Sign out everywhere" if everywhere else "Sign out"
    return post_form(
        "/auth/sign-out",
        *([hidden("scope", "all")] if everywhere else []),
        rx.button(label, type="submit", variant="soft" if everywhere else "outline", color_scheme="gray"),
    )
