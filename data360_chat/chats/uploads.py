"""What a person does with their uploaded files, as the chat page asks for it: upload one (parsed and previewed),
see a chat's, delete one. Plain async Python over the parser and the repository; every function takes the user's id.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass, field

from data360_chat.chats.service import GONE, Refused
from data360_chat.db.engine import get_database
from data360_chat.db.models import Upload
from data360_chat.geography import gazetteer_for
from data360_chat.repositories import NotFound
from data360_chat.repositories.uploads import add_upload, chat_uploads, delete_upload, waiting_uploads
from data360_chat.settings import Settings, get_settings
from data360_chat.uploads.parsing import Limits, parse_csv
from data360_chat.uploads.problems import UploadRejected
from data360_chat.uploads.table import ParsedTable, Series

UPLOAD_GONE = "This upload does not exist or was deleted."
ROLE_LABELS = {"country": "Country", "year": "Year", "value": "Values", "series": "Series names", "other": "Not used"}
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
SHOWN_SERIES = 8
SHOWN_COUNTRIES = 4


@dataclass
class ColumnView:
    """A column of an upload and the role it was given."""

    name: str = ""
    role: str = "other"
    label: str = ""


@dataclass
class UploadView:
    """An upload as the page previews it: its columns and their roles, the series found, the first rows."""

    id: str = ""
    filename: str = ""
    details: str = ""
    columns: list[ColumnView] = field(default_factory=list)
    series: list[str] = field(default_factory=list)
    header: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)


def limits(settings: Settings) -> Limits:
    """The upload limits of the settings."""
    return Limits(
        settings.upload_max_bytes, settings.upload_max_rows, settings.upload_max_columns, settings.upload_types
    )


def _series_line(series: Series) -> str:
    places = ", ".join(series.countries[:SHOWN_COUNTRIES])
    if len(series.countries) > SHOWN_COUNTRIES:
        places += f" and {len(series.countries) - SHOWN_COUNTRIES} more"
    years = (
        str(series.first_year) if series.first_year == series.last_year else f"{series.first_year}–{series.last_year}"
    )
    return " · ".join(part for part in (series.name, places, years, f"{series.points:,} values") if part)


def upload_view(upload: Upload) -> UploadView:
    """The preview of a stored upload."""
    table = ParsedTable.from_json(upload.summary)
    series = [_series_line(series) for series in table.series[:SHOWN_SERIES]]
    if len(table.series) > SHOWN_SERIES:
        series.append(f"and {len(table.series) - SHOWN_SERIES} more series")
    delimiter = DELIMITER_NAMES.get(table.delimiter, repr(table.delimiter))
    width = len(table.preview[0]) if table.preview else 0
    return UploadView(
        id=str(upload.id),
        filename=upload.filename,
        details=f"{table.rows:,} rows · {width} columns · {table.encoding} · {delimiter}-separated",
        columns=[ColumnView(c.name, c.role, ROLE_LABELS.get(c.role, c.role)) for c in table.columns],
        series=series,
        header=table.preview[0] if table.preview else [],
        rows=table.preview[1:],
    )


async def receive(user_id: uuid.UUID, chat_id: uuid.UUID | None, filename: str, data: bytes) -> UploadView:
    """Read the user's file and keep it (in their chat `chat_id`, or for the next question); `Refused` says why a
    file cannot be used, and nothing is kept then."""
    settings = get_settings()
    gazetteer = gazetteer_for(settings.data360_offline_data / "countries.csv")
    try:
        table = await asyncio.to_thread(parse_csv, filename, data, limits(settings), gazetteer)
    except UploadRejected as exc:
        reason = str(exc)
        raise Refused(reason if filename in reason else f"{filename}: {reason}") from None
    try:
        async with get_database().session() as session:
            upload = await add_upload(
                session,
                user_id,
                filename=filename,
                summary=table.summary_json(),
                points=table.points_json(),
                chat_id=chat_id,
            )
    except NotFound:
        raise Refused(GONE) from None
    return upload_view(upload)


async def uploads_of_chat(user_id: uuid.UUID, chat_id: uuid.UUID) -> list[UploadView]:
    """The previews of the uploads in the user's chat."""
    async with get_database().session() as session:
        return [upload_view(upload) for upload in await chat_uploads(session, user_id, chat_id)]


async def uploads_waiting(user_id: uuid.UUID) -> list[UploadView]:
    """The previews of the user's uploads that wait for the first question of a new chat."""
    async with get_database().session() as session:
        return [upload_view(upload) for upload in await waiting_uploads(session, user_id)]


async def remove_upload(user_id: uuid.UUID, upload_id: uuid.UUID) -> None:
    """Delete the user's upload."""
    try:
        async with get_database().session() as session:
            await delete_upload(session, user_id, upload_id)
    except NotFound:
        raise Refused(UPLOAD_GONE) from None
