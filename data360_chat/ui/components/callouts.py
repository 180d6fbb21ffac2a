"""A message the person can dismiss: refusals under the composer, problems at the top of the page."""

from __future__ import annotations

from typing import Any

import reflex as rx
from reflex.event import EventHandler


def dismissable(text: rx.Var[str], on_dismiss: EventHandler, *, icon: str, color: str, **props: Any) -> rx.Component:
    """`text` in a callout with a Dismiss button; nothing while `text` is empty."""
    return rx.cond(
        text,
        rx.callout.root(
            rx.callout.icon(rx.icon(icon)),
            rx.callout.text(text),
            rx.icon_button(rx.icon("x", size=14), size="1", variant="ghost", aria_label="Dismiss", on_click=on_dismiss),
            color_scheme=color,
            role="alert",
            size="1",
            **props,
        ),
    )
