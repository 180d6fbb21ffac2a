"""Answers running in the background, followed and stopped from any tab (and any replica, with Redis).

    runner = get_runner()
    started = await runner.start(user_id, chat_id, text)  # or start_regenerate / start_edit; ChatBusy, NotFound
    async for update in runner.follow(user_id, chat_id, interval=FLUSH_INTERVAL):
        ...  # update.first: start afresh; append update.text; upsert update.tools by call_id; add update.charts
    await runner.stop(user_id, chat_id)  # from any tab

`subscribe()` gives an `AnswerSnapshot` and then every event of `data360_chat.assistant.events` unbatched.
"""

from data360_chat.streams.runner import FLUSH_INTERVAL, AnswerRunner, get_runner
from data360_chat.streams.state import AnswerSnapshot, AnswerUpdate, ToolStep

__all__ = ["FLUSH_INTERVAL", "AnswerRunner", "AnswerSnapshot", "AnswerUpdate", "ToolStep", "get_runner"]
