"""A source under an answer: a Data360 indicator, linking to its page, or a series of the person's own upload."""

from __future__ import annotations

import reflex as rx

from data360_chat.chats.views import SourceView


def source_chip(source: SourceView) -> rx.Component:
    """A source under the answer: a Data360 indicator (a link to its page), or the person's own upload."""
    return rx.cond(
        source.upload,
        rx.badge(
            rx.icon("file-spreadsheet", size=12),
            source.label,
            variant="soft",
            color_scheme="green",
            radius="full",
            size="1",
            title=source.title,
            class_name="d360-upload-source",
        ),
        rx.link(
            rx.badge(rx.icon("database", size=12), source.label, variant="soft", radius="full", size="1"),
            href=source.url,
            is_external=True,
            title=source.title,
            underline="none",
        ),
    )
