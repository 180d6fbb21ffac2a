"""The account page: who is signed in, password, API keys, sign out."""

from __future__ import annotations

import reflex as rx

from data360_chat.ui.components.auth_forms import field, notices, sign_out_form
from data360_chat.ui.state.account import AccountState
from data360_chat.ui.state.auth import AuthState

WIDE_ONLY = rx.breakpoints(initial="none", sm="table-cell")  # phones show a key's dates under its name instead,
NARROW_ONLY = rx.breakpoints(initial="block", sm="none")  # so that Revoke stays in view


def _section(title: str, *children: rx.Component) -> rx.Component:
    return rx.card(
        rx.vstack(rx.heading(title, size="4", as_="h2"), *children, spacing="3", width="100%"),
        width="100%",
    )


def _password_section() -> rx.Component:
    return _section(
        "Password",
        notices(AccountState.password_error, AccountState.password_notice),
        rx.cond(
            AccountState.has_password,
            rx.form(
                rx.vstack(
                    field(
                        "Current password",
                        "current_password",
                        input_type="password",
                        autocomplete="current-password",
                        required=True,
                    ),
                    field(
                        "New password (at least 8 characters)",
                        "new_password",
                        input_type="password",
                        autocomplete="new-password",
                        required=True,
                    ),
                    field(
                        "Repeat the new password",
                        "new_password_confirm",
                        input_type="password",
                        autocomplete="new-password",
                        required=True,
                    ),
                    rx.button("Change password", type="submit"),
                    spacing="3",
                    width="100%",
                    max_width="24rem",
                ),
                on_submit=AccountState.change_password,
                reset_on_submit=True,
                width="100%",
            ),
            rx.text("You sign in through your organisation; manage your password there.", color_scheme="gray"),
        ),
    )


def _new_key() -> rx.Component:
    return rx.callout(
        rx.vstack(
            rx.text("Copy the key ", rx.text.strong(AccountState.new_key_name), " now. It will not be shown again."),
            rx.hstack(
                rx.code(AccountState.new_key_secret, id="new-api-key", style={"wordBreak": "break-all"}),
                rx.icon_button(
                    rx.icon("copy", size=16),
                    on_click=rx.set_clipboard(AccountState.new_key_secret),
                    variant="soft",
                    aria_label="Copy the new API key",
                ),
                align="center",
                width="100%",
            ),
            rx.button("Done", variant="soft", size="1", on_click=AccountState.dismiss_key),
            spacing="2",
        ),
        icon="key_round",
        color_scheme="grass",
        width="100%",
        role="status",
    )


def _key_row(key: rx.Var[dict[str, str]]) -> rx.Component:
    return rx.table.row(
        rx.table.cell(
            rx.text(key["name"], style={"overflowWrap": "anywhere"}),
            rx.text(
                "Created ",
                key["created"],
                " · last used ",
                key["last_used"],
                size="1",
                color_scheme="gray",
                display=NARROW_ONLY,
            ),
        ),
        rx.table.cell(rx.code(key["prefix"] + "_…")),
        rx.table.cell(key["created"], display=WIDE_ONLY),
        rx.table.cell(key["last_used"], display=WIDE_ONLY),
        rx.table.cell(
            rx.button(
                "Revoke",
                color_scheme="red",
                variant="soft",
                size="1",
                on_click=AccountState.revoke_key(key["id"]),
                aria_label="Revoke the key " + key["name"],
            )
        ),
    )


def _keys_section() -> rx.Component:
    return _section(
        "API keys",
        rx.text(
            "Scripts can use the JSON API at /api/v1 with a key: ",
            rx.code("Authorization: Bearer d360_…"),
            size="2",
            color_scheme="gray",
        ),
        notices(AccountState.key_error, ""),
        rx.cond(AccountState.new_key_secret != "", _new_key()),
        rx.form(
            rx.hstack(
                rx.input(name="name", placeholder="Key name", aria_label="Name of the new key", max_length=100),
                rx.button("Create key", type="submit"),
                spacing="2",
            ),
            on_submit=AccountState.create_key,
            reset_on_submit=True,
        ),
        rx.cond(
            AccountState.keys.length() > 0,
            rx.table.root(
                rx.table.header(
                    rx.table.row(
                        rx.table.column_header_cell("Name"),
                        rx.table.column_header_cell("Key"),
                        rx.table.column_header_cell("Created", display=WIDE_ONLY),
                        rx.table.column_header_cell("Last used", display=WIDE_ONLY),
                        rx.table.column_header_cell(""),
                    )
                ),
                rx.table.body(rx.foreach(AccountState.keys, _key_row)),
                width="100%",
                id="api-keys",
            ),
            rx.text("No API keys.", color_scheme="gray", size="2"),
        ),
    )


def account_page() -> rx.Component:
    """Your account."""
    return rx.container(
        rx.vstack(
            rx.hstack(
                rx.link("← Back to the chat", href="/"),
                rx.spacer(),
                sign_out_form(),
                width="100%",
                align="center",
            ),
            rx.heading("Your account", size="7", as_="h1"),
            rx.text(AuthState.user_name, " · ", AuthState.user_email, rx.cond(AuthState.is_admin, " · admin", "")),
            _password_section(),
            _keys_section(),
            _section(
                "Sessions",
                rx.text("Sign out of every browser and device where this account is signed in.", size="2"),
                sign_out_form(everywhere=True),
            ),
            spacing="4",
            width="100%",
            padding_y="2rem",
        ),
        size="2",
    )
