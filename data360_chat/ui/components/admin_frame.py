"""What the admin pages share: the header with their tabs, the "not found" page for everyone else, cards."""

from __future__ import annotations

import reflex as rx


def admin_header(current: str) -> rx.Component:
    """The admin area's title, its two tabs, the way back to the chat and the theme toggle."""

    def tab(label: str, href: str, icon: str) -> rx.Component:
        active = label == current
        return rx.link(
            rx.button(
                rx.icon(icon, size=15),
                label,
                variant="soft" if active else "outline",
                color_scheme="indigo" if active else "gray",
                size="2",
            ),
            href=href,
            underline="none",
            aria_current="page" if active else "false",
        )

    return rx.hstack(
        rx.hstack(
            rx.icon("chart-line", size=20, color=rx.color("indigo", 10)),
            rx.heading("Data360 Chat", size="4"),
            rx.badge("Admin", color_scheme="indigo", variant="soft"),
            align="center",
            spacing="2",
        ),
        rx.hstack(tab("Usage", "/admin", "chart-column"), tab("Users", "/admin/users", "users"), spacing="2"),
        rx.spacer(),
        rx.link(
            rx.hstack(rx.icon("message-square", size=14), "Back to the chat", align="center", spacing="1"), href="/"
        ),
        rx.color_mode.button(aria_label="Switch light or dark theme", size="1", variant="ghost"),
        align="center",
        spacing="4",
        width="100%",
        padding_y="0.8em",
        border_bottom=f"1px solid {rx.color('gray', 4)}",
        wrap="wrap",
        as_="header",
    )


def not_found() -> rx.Component:
    """What anyone but an admin sees at an admin address."""
    return rx.center(
        rx.vstack(
            rx.heading("Page not found", size="6", as_="h1"),
            rx.text("There is nothing at this address.", color_scheme="gray"),
            rx.link("Back to Data360 Chat", href="/"),
            align="center",
            spacing="3",
        ),
        padding_top="20vh",
        id="admin-not-found",
    )


def admin_page(allowed: rx.Var[bool], current: str, *children: rx.Component) -> rx.Component:
    """An admin page: its content for an admin, "not found" for everyone else."""
    return rx.cond(
        allowed,
        rx.container(
            rx.vstack(admin_header(current), *children, spacing="5", width="100%", padding_bottom="3em"),
            size="4",
        ),
        not_found(),
    )


def panel(title: str, *children: rx.Component, action: rx.Component | None = None, **props: object) -> rx.Component:
    """A card with a title (and an action such as a download at its right)."""
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.heading(title, size="3", as_="h2"),
                rx.spacer(),
                action or rx.fragment(),
                align="center",
                width="100%",
            ),
            *children,
            spacing="3",
            width="100%",
        ),
        width="100%",
        class_name="d360-admin-panel",
        **props,
    )


def notices(error: rx.Var[str], notice: rx.Var[str]) -> rx.Component:
    """The outcome of the last action: a refusal in red, a success in green."""
    return rx.fragment(
        rx.cond(error, rx.callout(error, icon="triangle-alert", color_scheme="red", role="alert", width="100%")),
        rx.cond(notice, rx.callout(notice, icon="check", color_scheme="grass", role="status", width="100%")),
    )
