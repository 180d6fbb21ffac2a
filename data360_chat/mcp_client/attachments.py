"""Non-text content of a tool result (images, audio, resource links, embedded resources), kept as what it is.

A tool result's text is what the model reads; an image or a linked file has no text, so each attachment also has
a one-line description with its kind, MIME type, size and address, put where the item stood in the result.
Binary data is kept (base64, as sent) up to the result's size limit, so the page or a later step can show it.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Literal

from mcp.types import (
    AudioContent,
    BlobResourceContents,
    ContentBlock,
    EmbeddedResource,
    ImageContent,
    ResourceLink,
    TextContent,
    TextResourceContents,
)

Kind = Literal["image", "audio", "resource_link", "resource"]
TEXT_PREVIEW = 2000


@dataclass(frozen=True)
class Attachment:
    """One non-text item of a tool result."""

    kind: Kind
    mime_type: str | None = None
    uri: str | None = None  # a resource's address
    name: str | None = None
    description: str | None = None
    size: int | None = None  # bytes: the decoded data, or what a resource link declares
    data: str | None = None  # base64 data of an image, audio or binary resource (None when over the size limit)
    text: str | None = None  # the text of an embedded text resource

    def describe(self) -> str:
        """One line the model reads in place of the item (followed by an embedded text resource's text)."""
        label = {"image": "Image", "audio": "Audio", "resource_link": "Resource link", "resource": "Resource"}
        parts = [self.name, self.uri, self.mime_type, _size(self.size)]
        line = f"[{label[self.kind]}: {', '.join(part for part in parts if part)}]"
        if self.description:
            line += f" {self.description}"
        if self.text is not None:
            preview = self.text if len(self.text) <= TEXT_PREVIEW else self.text[:TEXT_PREVIEW] + "…"
            line += f"\n{preview}"
        return line


def _size(size: int | None) -> str | None:
    if size is None:
        return None
    return f"{size:,} bytes" if size < 10_000 else f"{size / 1024:,.0f} kB"


def _decoded_size(data: str) -> int | None:
    try:
        return len(base64.b64decode(data, validate=True))
    except (binascii.Error, ValueError):
        return None


def _binary(kind: Kind, data: str, mime_type: str | None, max_chars: int, uri: str | None = None) -> Attachment:
    return Attachment(kind, mime_type, uri, size=_decoded_size(data), data=data if len(data) <= max_chars else None)


def attachment_of(item: ContentBlock, max_chars: int) -> Attachment | None:
    """The attachment a content block is, or None for text."""
    if isinstance(item, ImageContent):
        return _binary("image", item.data, item.mime_type, max_chars)
    if isinstance(item, AudioContent):
        return _binary("audio", item.data, item.mime_type, max_chars)
    if isinstance(item, ResourceLink):
        return Attachment(
            "resource_link", item.mime_type, str(item.uri), item.title or item.name, item.description, item.size
        )
    if isinstance(item, EmbeddedResource):
        contents = item.resource
        if isinstance(contents, TextResourceContents):
            text, uri = contents.text, str(contents.uri)
            return Attachment("resource", contents.mime_type, uri, size=len(text.encode()), text=text[:max_chars])
        if isinstance(contents, BlobResourceContents):
            return _binary("resource", contents.blob, contents.mime_type, max_chars, str(contents.uri))
    return None


def read_content(content: list[ContentBlock], max_chars: int) -> tuple[str, list[Attachment]]:
    """A result's text, each attachment described where it stood (its address included, so nothing is dropped),
    and the attachments in order."""
    parts: list[str] = []
    attachments: list[Attachment] = []
    for item in content:
        if isinstance(item, TextContent):
            parts.append(item.text)
        elif (attachment := attachment_of(item, max_chars)) is not None:
            attachments.append(attachment)
            parts.append(attachment.describe())
        else:
            parts.append(f"[{item.type} content of a kind this app does not know]")
    return "\n".join(parts), attachments
