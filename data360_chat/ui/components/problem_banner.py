"""A banner at the top of every page for a problem the server met (see `ui/state/problem.py`)."""

from __future__ import annotations

import reflex as rx

from data360_chat.ui.components.callouts import dismissable
from data360_chat.ui.state.problem import ProblemState


def problem_banner() -> rx.Component:
    """The problem, with a way to dismiss it; nothing when there is none."""
    return dismissable(
        ProblemState.text,
        ProblemState.dismiss,
        icon="triangle-alert",
        color="red",
        align_items="center",
        style={
            "position": "fixed",
            "top": "0.8em",
            "left": "50%",
            "transform": "translateX(-50%)",
            "zIndex": "50",
            "maxWidth": "min(92vw, 560px)",
        },
    )
