"""The person's uploaded files on the chat page: upload (the browser sends the file to Reflex's upload route), the
preview, remove. Thin: the chats facade parses, stores and checks ownership; refusals go to the composer's notice.
"""

from __future__ import annotations

import uuid

import reflex as rx

from data360_chat.chats import uploads
from data360_chat.chats.service import Refused, parse_id
from data360_chat.chats.uploads import UploadView
from data360_chat.settings import get_settings
from data360_chat.ui.state.auth import signed_in_user_id
from data360_chat.ui.state.chat import ChatState

UPLOAD_ID = "csv-upload"
REJECTIONS = {
    "file-too-large": "“{name}” is larger than {limit}, the largest file accepted.",
    "file-invalid-type": "Only CSV files can be used ({types}); “{name}” is not one.",
    "too-many-files": "Upload one file at a time.",
}


def _limit_text() -> str:
    return f"{get_settings().upload_max_bytes / (1024 * 1024):g} MB"


class UploadState(rx.State):
    """The uploads of the open chat (or waiting for the first question of a new one), and the one previewed."""

    uploads: list[UploadView] = rx.field(default_factory=list)
    previewing: str = ""
    busy: bool = False

    def _show(self, views: list[UploadView]) -> None:
        """Show these uploads, none previewed (the caller resolved the user)."""
        self.uploads, self.previewing, self.busy = views, "", False

    def _ids(self) -> list[uuid.UUID]:
        """The uploads shown, for the next question."""
        return [found for view in self.uploads if (found := parse_id(view.id)) is not None]

    @rx.event
    async def receive(self, files: list[rx.UploadFile]):  # noqa: ANN201  (Reflex reads a generator's annotation)
        """Read the uploaded file, keep it and open its preview; or say why it cannot be used."""
        user_id = await signed_in_user_id(self)
        if user_id is None:
            return
        chat = await self.get_state(ChatState)
        self.busy = True
        yield
        try:
            for file in files:
                if not isinstance(file, rx.UploadFile):
                    continue
                data = await file.read(get_settings().upload_max_bytes + 1)
                view = await uploads.receive(user_id, parse_id(chat.chat_id), file.name or "upload.csv", data)
                self.uploads = [*self.uploads, view]
                self.previewing, chat.notice = view.id, ""
        except Refused as exc:
            chat.notice = str(exc)
        finally:
            self.busy = False

    @rx.event
    async def rejected(self, codes: list[str], names: list[str]) -> None:
        """The browser refused a file before sending it (too large, not a CSV): say why."""
        if not isinstance(codes, list) or not codes:
            return
        name = str(names[0] if isinstance(names, list) and names else "")[:120] or "the file"
        text = REJECTIONS.get(str(codes[0]), "“{name}” cannot be used.")
        types = ", ".join(f".{kind}" for kind in get_settings().upload_types)
        (await self.get_state(ChatState)).notice = text.format(name=name, limit=_limit_text(), types=types)

    @rx.event
    def toggle_preview(self, upload_id: str) -> None:
        """Open or close the preview of one of the uploads shown."""
        shown = any(view.id == upload_id for view in self.uploads)
        self.previewing = "" if self.previewing == upload_id or not shown else upload_id

    @rx.event
    async def remove(self, upload_id: str) -> None:
        """Delete one of the person's uploads."""
        user_id, found = await signed_in_user_id(self), parse_id(upload_id)
        if user_id is None or found is None:
            return
        try:
            await uploads.remove_upload(user_id, found)
        except Refused as exc:
            (await self.get_state(ChatState)).notice = str(exc)
            return
        self.uploads = [view for view in self.uploads if view.id != upload_id]
        if self.previewing == upload_id:
            self.previewing = ""
