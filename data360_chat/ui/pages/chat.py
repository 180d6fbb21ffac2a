"""The chat page: the sidebar of chats, the conversation and the composer."""

from __future__ import annotations

import reflex as rx

from data360_chat.settings import get_settings
from data360_chat.ui.components.chat_composer import composer, length_notice
from data360_chat.ui.components.chat_message import message_item
from data360_chat.ui.components.chat_sidebar import dialogs, drawer, sidebar
from data360_chat.ui.components.chat_stream import streaming_answer
from data360_chat.ui.components.lazy_mount import lazy
from data360_chat.ui.state.chat import STARTERS, ChatState, HistoryState
from data360_chat.ui.state.chat_actions import ChatActions
from data360_chat.ui.state.loading import PAGE_LOADING
from data360_chat.ui.state.stream import StreamState

CONTENT_WIDTH = "820px"


def header() -> rx.Component:
    """The menu button (narrow screens), the chat's title and the model in use."""
    return rx.hstack(
        drawer(),
        rx.heading(rx.cond(ChatState.title, ChatState.title, "New chat"), size="3", class_name="d360-ellipsis"),
        rx.spacer(),
        offline_badge() if get_settings().uses_offline_model else rx.fragment(),
        align="center",
        spacing="2",
        padding="0.6em 1em",
        border_bottom=f"1px solid {rx.color('gray', 4)}",
        width="100%",
        as_="header",
    )


def offline_badge() -> rx.Component:
    """Says that answers come from the built-in offline model."""
    return rx.tooltip(
        rx.badge("Offline model", color_scheme="amber", variant="soft"),
        content="Answers come from the built-in offline model, not a language model.",
    )


def starters() -> rx.Component:
    """Starter questions on an empty chat."""
    return rx.vstack(
        rx.icon("chart-line", size=36, color=rx.color("indigo", 9)),
        rx.heading("What would you like to know?", size="6", align="center"),
        rx.text(
            "Ask about World Bank development data: indicators, countries, trends.",
            color_scheme="gray",
            align="center",
        ),
        rx.grid(
            *(
                rx.button(
                    rx.text(question, size="2", align="left"),
                    variant="surface",
                    color_scheme="gray",
                    on_click=ChatActions.ask(question),
                    disabled=PAGE_LOADING,
                    class_name="d360-starter",
                )
                for question in STARTERS
            ),
            columns=rx.breakpoints(initial="1", sm="2"),
            spacing="3",
            width="100%",
        ),
        align="center",
        spacing="4",
        padding_top="12vh",
        width="100%",
    )


def last_turn_tools() -> rx.Component:
    """Regenerate the last answer, or edit and resend the last question."""
    return rx.cond(
        ~StreamState.active & ~ChatState.empty,
        rx.cond(
            ChatState.editing,
            rx.form(
                rx.vstack(
                    rx.text_area(
                        name="question",
                        default_value=ChatState.last_question,
                        aria_label="Edit your last question",
                        auto_height=True,
                        enter_key_submit=True,
                        width="100%",
                        custom_attrs={"data-max-chars": str(get_settings().max_message_chars)},
                    ),
                    length_notice(),
                    rx.hstack(
                        rx.button(
                            "Cancel",
                            type="button",
                            variant="soft",
                            color_scheme="gray",
                            on_click=ChatState.set_editing(False),
                        ),
                        rx.button("Send again", type="submit"),
                        justify="end",
                        width="100%",
                    ),
                    width="100%",
                ),
                on_submit=ChatActions.resend,
                width="100%",
            ),
            rx.hstack(
                rx.cond(  # an answer cut short offers Continue and Regenerate beside it
                    ~ChatState.last_cut_short,
                    rx.button(
                        rx.icon("refresh-cw", size=14),
                        "Regenerate",
                        size="1",
                        variant="soft",
                        color_scheme="gray",
                        on_click=ChatActions.regenerate,
                    ),
                ),
                rx.button(
                    rx.icon("pencil", size=14),
                    "Edit question",
                    size="1",
                    variant="soft",
                    color_scheme="gray",
                    on_click=ChatState.set_editing(True),
                ),
                spacing="2",
            ),
        ),
    )


def conversation() -> rx.Component:
    """Messages, the answer being written and the last-turn tools, kept scrolled to the newest."""
    return rx.box(
        rx.vstack(
            # Conditions on one state each: an update of the answer never re-renders the history. Earlier messages
            # are drawn when scrolled near (a long chat opens fast).
            rx.cond(
                ChatState.empty,
                rx.cond(StreamState.active, rx.fragment(), starters()),
                rx.fragment(
                    rx.foreach(HistoryState.messages, lambda message: lazy(message_item(message), "6em")),
                    rx.foreach(ChatState.recent, message_item),
                ),
            ),
            streaming_answer(),
            last_turn_tools(),
            spacing="5",
            width="100%",
            max_width=CONTENT_WIDTH,
            margin="0 auto",
            padding="1.5em 1em 2em",
        ),
        class_name="d360-scroll",
        flex="1",
        width="100%",
        role="log",
        aria_label="Conversation",
    )


def chat_page() -> rx.Component:
    """The whole page."""
    return rx.fragment(
        rx.hstack(
            sidebar(),
            rx.vstack(
                header(),
                conversation(),
                rx.box(composer(), width="100%", max_width=CONTENT_WIDTH, margin="0 auto", padding="0 1em 0.8em"),
                spacing="0",
                height="100dvh",
                flex="1",
                min_width="0",
                as_="main",
                aria_busy=PAGE_LOADING,
                class_name="d360-main",
            ),
            spacing="0",
            width="100%",
            height="100dvh",
            overflow="hidden",
        ),
        rx.box(ChatState.announcement, aria_live="polite", role="status", class_name="d360-sr-only"),
        dialogs(),
        rx.el.link(rel="stylesheet", href="/chat.css"),
        rx.script(src="/chat_keys.js"),
        rx.script(src="/composer_guard.js"),
    )
