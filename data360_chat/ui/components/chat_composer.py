"""The composer: Enter sends, Shift+Enter starts a new line; Stop (or Esc) while an answer is being written."""

from __future__ import annotations

import reflex as rx

from data360_chat.settings import get_settings
from data360_chat.ui.components.callouts import dismissable
from data360_chat.ui.components.uploads import upload_button, upload_tray
from data360_chat.ui.state.chat import ChatState
from data360_chat.ui.state.chat_actions import ChatActions
from data360_chat.ui.state.loading import PAGE_LOADING
from data360_chat.ui.state.stream import StreamState


def notice() -> rx.Component:
    """Why a message was refused, or another problem, with a way to dismiss it."""
    return dismissable(ChatState.notice, ChatState.dismiss_notice, icon="info", color="amber", class_name="d360-notice")


def length_notice() -> rx.Component:
    """Filled in by `assets/composer_guard.js` when a message is too long to send, or the server does not take it
    (the text stays in the box)."""
    return rx.el.p(role="alert", hidden=True, class_name="d360-length-notice")


def attempt_echo() -> rx.Component:
    """Where the server echoes the attempt id of each send it handled (read by `assets/composer_guard.js`)."""
    return rx.el.input(type="hidden", id="question-ack", default_value="")


def send_or_stop() -> rx.Component:
    """Send, or Stop while an answer is being written."""
    return rx.cond(
        StreamState.active,
        rx.icon_button(
            rx.icon("square", size=16),
            type="button",
            color_scheme="red",
            variant="soft",
            aria_label="Stop",
            id="stop-answer",
            on_click=ChatActions.stop,
            size="3",
        ),
        rx.icon_button(rx.icon("arrow-up", size=18), type="submit", aria_label="Send", size="3", disabled=PAGE_LOADING),
    )


def composer() -> rx.Component:
    """The question box under the conversation."""
    return rx.vstack(
        notice(),
        upload_tray(),
        rx.form(
            rx.hstack(
                upload_button(),
                rx.text_area(
                    name="question",
                    placeholder="Ask about World Bank data…  (Enter sends, Shift+Enter for a new line)",
                    aria_label="Your question",
                    enter_key_submit=True,
                    auto_height=True,
                    rows="1",
                    size="3",
                    variant="surface",
                    width="100%",
                    max_height="40vh",
                    id="question",
                    read_only=PAGE_LOADING,
                    custom_attrs={"data-max-chars": str(get_settings().max_message_chars)},
                ),
                rx.el.input(type="hidden", name="attempt", id="question-attempt", default_value=""),
                send_or_stop(),
                align="end",
                spacing="2",
                width="100%",
            ),
            length_notice(),
            on_submit=ChatActions.send,
            reset_on_submit=False,  # emptied by the server once it has taken the question
            width="100%",
        ),
        attempt_echo(),
        rx.text(
            "Answers can be wrong: check the numbers against the sources.",
            size="1",
            color_scheme="gray",
            align="center",
            width="100%",
        ),
        spacing="2",
        width="100%",
    )
