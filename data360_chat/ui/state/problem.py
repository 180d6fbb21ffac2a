"""Problems the server met while handling an event, shown on the page (instead of Reflex's own alert, which needs
`eval` and so cannot run under the app's Content-Security-Policy).

This module does not use `from __future__ import annotations`: Reflex checks the handler's annotations as types.
"""

import logging

import reflex as rx
from reflex.event import EventSpec

log = logging.getLogger("data360_chat.ui")

PROBLEM = "Something went wrong on the server. Try again; if it keeps happening, tell your administrator."


class ProblemState(rx.State):
    """The problem shown at the top of the page until dismissed."""

    text: str = ""

    @rx.event
    def show(self) -> None:
        """Show that the last action failed on the server."""
        self.text = PROBLEM

    @rx.event
    def dismiss(self) -> None:
        """Hide the problem."""
        self.text = ""


def backend_problem(exception: Exception) -> EventSpec:
    """Log an event handler's failure and tell the page (the app's `backend_exception_handler`)."""
    log.error("an event handler failed", exc_info=exception)
    return ProblemState.show()
