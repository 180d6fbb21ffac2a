"""The chat page."""

import reflex as rx


def chat_page() -> rx.Component:
    """The conversation view (placeholder until the chat UI lands)."""
    return rx.center(
        rx.vstack(
            rx.heading("Data360 Chat", size="8"),
            rx.text("Ask questions of World Bank development data.", color_scheme="gray"),
            align="center",
        ),
        height="100vh",
    )
