"""The person's own CSV files in the composer: the upload button, a chip per upload, and the preview of one (the
columns and what each holds, the series found, the first rows)."""

from __future__ import annotations

from typing import Any

import reflex as rx
from reflex.event import EventSpec
from reflex.vars import ArrayVar, ObjectVar

from data360_chat.chats.uploads import ColumnView, UploadView
from data360_chat.settings import get_settings
from data360_chat.ui.components.data_table import data_table
from data360_chat.ui.state.loading import PAGE_LOADING
from data360_chat.ui.state.uploads import UPLOAD_ID, UploadState

ROLE_COLORS = {"country": "blue", "year": "violet", "value": "green", "series": "amber"}


def _rejected(rejected: rx.Var) -> EventSpec:
    """The codes and names of the files the browser refused (never the files themselves, which can be large)."""
    files = rejected.to(ArrayVar, list[dict[str, Any]])

    def field(item: rx.Var, *path: str | int) -> rx.Var:
        for key in path:
            item = item.to(ArrayVar, list[Any])[key] if isinstance(key, int) else item.to(ObjectVar, dict)[key]
        return item

    return UploadState.rejected(
        files.map(lambda item: field(item, "errors", 0, "code")), files.map(lambda item: field(item, "file", "name"))
    )


def upload_button() -> rx.Component:
    """A paperclip that opens the file picker (or takes a dropped file) and sends the file at once."""
    settings = get_settings()
    extensions = [f".{kind}" for kind in settings.upload_types]
    zone = rx.upload.root(
        rx.tooltip(
            rx.icon_button(
                rx.cond(UploadState.busy, rx.spinner(size="2"), rx.icon("paperclip", size=18)),
                type="button",
                variant="soft",
                color_scheme="gray",
                size="3",
                aria_label="Upload a CSV file",
                disabled=PAGE_LOADING,
            ),
            content=f"Upload your own data: a CSV file up to {settings.upload_max_bytes / (1024 * 1024):g} MB",
        ),
        id=UPLOAD_ID,
        accept={"text/csv": extensions},
        max_size=settings.upload_max_bytes,
        multiple=False,
        disabled=PAGE_LOADING,
        on_drop=UploadState.receive(rx.upload_files(upload_id=UPLOAD_ID)),
        on_drop_rejected=_rejected,
        class_name="d360-upload",
    )
    file_input = zone.children[0].children[0]  # the dropzone's own (visually hidden) file input
    file_input.custom_attrs["aria-label"] = "CSV file to upload"
    return zone


def role_badge(column: ColumnView) -> rx.Component:
    """A column's name and its role, coloured by role."""
    color = rx.match(column.role, *ROLE_COLORS.items(), "gray")
    return rx.badge(
        rx.text(column.name, weight="medium"),
        rx.text("·", color_scheme="gray"),
        column.label,
        color_scheme=color,
        variant="soft",
        size="1",
        class_name="d360-column-role",
    )


def upload_chip(upload: UploadView) -> rx.Component:
    """An upload of the chat: its name (opens the preview) and a button that deletes it."""
    return rx.hstack(
        rx.button(
            rx.icon("file-spreadsheet", size=14),
            upload.filename,
            size="1",
            variant=rx.cond(UploadState.previewing == upload.id, "solid", "soft"),
            color_scheme="green",
            radius="full",
            on_click=UploadState.toggle_preview(upload.id),
            aria_label="Preview " + upload.filename,
            class_name="d360-upload-chip",
        ),
        rx.icon_button(
            rx.icon("x", size=12),
            size="1",
            variant="ghost",
            color_scheme="gray",
            aria_label="Delete upload " + upload.filename,
            on_click=UploadState.remove(upload.id),
        ),
        spacing="1",
        align="center",
    )


def preview_table(upload: UploadView) -> rx.Component:
    """The first rows of the file as written."""
    return rx.box(
        data_table(upload.header, upload.rows),
        overflow_x="auto",
        width="100%",
    )


def preview_card(upload: UploadView) -> rx.Component:
    """What was read from the file, before it is used."""
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.icon("file-spreadsheet", size=18, color=rx.color("green", 10)),
                rx.text(upload.filename, weight="bold", size="2", class_name="d360-ellipsis"),
                rx.text(upload.details, size="1", color_scheme="gray"),
                align="center",
                spacing="2",
                wrap="wrap",
            ),
            rx.hstack(rx.foreach(upload.columns, role_badge), spacing="2", wrap="wrap"),
            rx.vstack(
                rx.text("Series found", size="1", weight="medium", color_scheme="gray"),
                rx.foreach(
                    upload.series,
                    lambda line: rx.hstack(
                        rx.icon("chart-line", size=14, color=rx.color("green", 10)),
                        rx.text(line, size="2"),
                        align="center",
                        spacing="2",
                    ),
                ),
                spacing="1",
            ),
            preview_table(upload),
            rx.text(
                "Ask about it below: its series are read beside Data360 data and cited as “your upload”.",
                size="1",
                color_scheme="gray",
            ),
            spacing="3",
            width="100%",
        ),
        width="100%",
        class_name="d360-upload-preview",
    )


def upload_tray() -> rx.Component:
    """The chips of the chat's uploads and the open preview; nothing when there is no upload."""
    return rx.cond(
        UploadState.uploads.length() > 0,
        rx.vstack(
            rx.hstack(rx.foreach(UploadState.uploads, upload_chip), spacing="3", wrap="wrap"),
            rx.foreach(
                UploadState.uploads,
                lambda upload: rx.cond(UploadState.previewing == upload.id, preview_card(upload)),
            ),
            spacing="2",
            width="100%",
        ),
    )
