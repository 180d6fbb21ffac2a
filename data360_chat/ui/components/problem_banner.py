"""A banner at the top of every page for a problem the server met (see `ui/state/problem.py`)."""

from __future__ import annotations

import reflex as rx

from data360_chat.ui.state.problem import ProblemState


def problem_banner() -> rx.Component:
    """The problem, with a way to dismiss it; nothing when there is none."""
    return rx.cond(
        ProblemState.text,
        rx.callout.root(
            rx.callout.icon(rx.icon("triangle-alert")),
            rx.callout.text(ProblemState.text),
            rx.icon_button(
                rx.icon("x", size=14), size="1", variant="ghost", aria_label="Dismiss", on_click=ProblemState.dismiss
            ),
            color_scheme="red",
            role="alert",
            size="1",
            align_items="center",
            style={
                "position": "fixed",
                "top": "0.8em",
                "left": "50%",
                "transform": "translateX(-50%)",
                "zIndex": "50",
                "maxWidth": "min(92vw, 560px)",
            },
        ),
    )
