"""The answer being written: tool steps as they run, the text as it arrives, charts when they are ready."""

from __future__ import annotations

import reflex as rx

from data360_chat.ui.components.chat_message import answer_body, failure_callout
from data360_chat.ui.components.safe_markdown import streaming_markdown
from data360_chat.ui.state.stream import StreamState


def streaming_answer() -> rx.Component:
    """Shown only while an answer is in flight."""
    return rx.cond(
        StreamState.active,
        rx.vstack(
            *answer_body(
                streaming_markdown(StreamState.piece, StreamState.stream, StreamState.resync),
                StreamState.tools,
                StreamState.charts,
            ),
            rx.cond(StreamState.failure, failure_callout(StreamState.failure)),
            rx.hstack(
                rx.spinner(size="1"),
                rx.text("Writing the answer…", size="1", color_scheme="gray"),
                rx.cond(StreamState.offline, rx.badge("Offline model", color_scheme="amber", variant="soft", size="1")),
                align="center",
                spacing="2",
            ),
            spacing="3",
            width="100%",
            align="start",
            class_name="d360-answer d360-streaming",
            aria_busy="true",
        ),
    )
