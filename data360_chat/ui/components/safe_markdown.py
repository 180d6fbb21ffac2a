"""Markdown rendered in the browser without raw HTML, remote images or script links (`assets/safe_markdown.jsx`)."""

from __future__ import annotations

from typing import ClassVar

import reflex as rx
from reflex.event import EventHandler, no_args_event_spec


class SafeMarkdown(rx.Component):
    """Finished Markdown (`text`), or a streaming answer fed by pieces at offsets (`piece`, `stream`)."""

    library = "$/public/safe_markdown.jsx"
    tag = "SafeMarkdown"
    lib_dependencies: ClassVar[list[str]] = ["react-markdown@10.1.0", "remark-gfm@4.0.1"]

    text: rx.Var[str]
    piece: rx.Var[str]
    stream: rx.Var[str]
    class_name: rx.Var[str]

    on_gap: EventHandler[no_args_event_spec]


def markdown(text: rx.Var[str] | str) -> rx.Component:
    """Finished Markdown."""
    return SafeMarkdown.create(text=text)


def streaming_markdown(piece: rx.Var[str], stream: rx.Var[str], on_gap: EventHandler) -> rx.Component:
    """An answer being written: each update carries only the new text and where it goes (`"<offset>:<text>"`)."""
    return SafeMarkdown.create(piece=piece, stream=stream, on_gap=on_gap)
