"""Charts attached to answers: the Plotly figure, the rows behind it and their source."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from data360_chat.db.models import Chart
from data360_chat.repositories import clean_text
from data360_chat.repositories.ownership import owned_message_ids, require_message


async def add_chart(
    session: AsyncSession,
    user_id: uuid.UUID,
    message_id: int,
    *,
    title: str,
    figure: dict[str, Any],
    data: list[dict[str, Any]],
    source: dict[str, Any] | None = None,
) -> Chart:
    """Attach a chart to an answer in one of the user's chats."""
    await require_message(session, user_id, message_id)
    chart = Chart(message_id=message_id, title=clean_text(title)[:500], figure=figure, data=data, source=source)
    session.add(chart)
    await session.flush()
    return chart


async def get_chart(session: AsyncSession, user_id: uuid.UUID, chart_id: int) -> Chart | None:
    """The chart if it belongs to an answer in one of the user's chats."""
    query = select(Chart).where(Chart.id == chart_id, Chart.message_id.in_(owned_message_ids(user_id)))
    return (await session.execute(query)).scalar_one_or_none()


async def list_charts(session: AsyncSession, user_id: uuid.UUID, message_ids: Sequence[int]) -> list[Chart]:
    """Charts of the given messages (those in the user's chats), in order."""
    if not message_ids:
        return []
    query = (
        select(Chart)
        .where(Chart.message_id.in_(message_ids), Chart.message_id.in_(owned_message_ids(user_id)))
        .order_by(Chart.message_id, Chart.id)
    )
    return list((await session.execute(query)).scalars())
