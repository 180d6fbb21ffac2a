"""A dialog that asks before an action that cannot be undone."""

from __future__ import annotations

import reflex as rx
from reflex.event import EventHandler


def confirm_dialog(
    *,
    title: str,
    description: rx.Component | rx.Var[str],
    action: str,
    is_open: rx.Var[bool],
    on_confirm: EventHandler,
    on_cancel: EventHandler,
) -> rx.Component:
    """Open while `is_open`; the red `action` button runs `on_confirm`, Cancel runs `on_cancel`."""
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title(title),
            rx.alert_dialog.description(description),
            rx.hstack(
                rx.alert_dialog.cancel(rx.button("Cancel", variant="soft", color_scheme="gray", on_click=on_cancel)),
                rx.alert_dialog.action(rx.button(action, color_scheme="red", on_click=on_confirm)),
                justify="end",
                spacing="3",
                margin_top="1em",
            ),
            max_width="440px",
        ),
        open=is_open,
    )
