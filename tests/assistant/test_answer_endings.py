"""Answers the model did not finish (a stream closed without a finish reason or `[DONE]`, `length`, `content_filter`):
kept with their text, charts and a status that says why, in the database and the JSON API; Continue takes them up
where they stopped, in the same answer. And the numbers of an answer, checked and stored with it."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest

from data360_chat.assistant import events as ev
from data360_chat.assistant.continuation import CONTINUE_REQUEST
from data360_chat.assistant.pipeline import answer, continue_answer
from data360_chat.assistant.prompt import table_records
from data360_chat.assistant.store import NothingToContinue
from data360_chat.auth.api_keys import create_api_key
from data360_chat.auth.service import AuthService
from data360_chat.db.engine import Database
from data360_chat.repositories.charts import list_charts
from data360_chat.repositories.messages import list_messages
from data360_chat.repositories.tool_calls import list_tool_calls
from tests.assistant.conftest import scripted_settings
from tests.assistant.test_pipeline import KENYA_DATA, collect, kenya, text_of
from tests.auth.conftest import make_settings, web_client
from tests.support.scripted_llm import Close, Reply, ScriptedLLM, Text, ToolCall

PARTIAL = "Kenya's population grew steadily over the period, and by the latest year it"
ENDINGS = {
    "cut_off": Reply(steps=(Text(PARTIAL), Close())),
    "too_long": Reply(steps=(Text(PARTIAL),), finish_reason="length"),
    "filtered": Reply(steps=(Text(PARTIAL),), finish_reason="content_filter"),
}


async def stored_answer(database: Database, owner: tuple[uuid.UUID, uuid.UUID]):
    async with database.session() as session:
        question, reply = await list_messages(session, *owner)
        calls = await list_tool_calls(session, owner[0], [reply.id])
        charts = await list_charts(session, owner[0], [reply.id])
    return question, reply, calls, charts


async def api_messages(database: Database, owner: tuple[uuid.UUID, uuid.UUID], tmp_path: Path) -> list[dict]:
    """The chat's messages as `GET /api/v1/chats/{id}/messages` sends them, asked with the owner's API key."""
    service = AuthService(make_settings(tmp_path, database_url=database.url), database, None)
    key = await create_api_key(database, owner[0], "script")
    async with web_client(service) as http:
        response = await http.get(
            f"/api/v1/chats/{owner[1]}/messages", headers={"Authorization": f"Bearer {key.secret}"}
        )
    assert response.status_code == 200, response.text
    return response.json()["messages"]


@pytest.mark.parametrize("status", list(ENDINGS))
async def test_an_unfinished_answer_keeps_its_text_charts_and_says_why(
    llm: ScriptedLLM, database, hub, owner, tmp_path, status
):
    llm.set_script([Reply.tools(("data360_get_data", KENYA_DATA)), ENDINGS[status]])
    events = await collect(
        answer(*owner, "Population of Kenya", database=database, hub=hub, settings=scripted_settings(llm))
    )
    done = events[-1]
    assert isinstance(done, ev.AnswerDone) and done.status == status
    assert not [e for e in events if isinstance(e, ev.AnswerFailed)]
    assert text_of(events) == PARTIAL and [e for e in events if isinstance(e, ev.ChartReady)]
    _, reply, calls, charts = await stored_answer(database, owner)
    assert (reply.status, reply.content, reply.error) == (status, PARTIAL, None)
    assert [c.status for c in calls] == ["ok"] and len(charts) == 1 and reply.sources
    [api_reply] = [m for m in await api_messages(database, owner, tmp_path) if m["role"] == "assistant"]
    assert (api_reply["status"], api_reply["content"], api_reply["error"]) == (status, PARTIAL, None)
    assert len(api_reply["charts"]) == 1


async def test_tool_calls_of_a_turn_cut_off_are_not_run(llm: ScriptedLLM, database, hub, owner):
    llm.set_script([Reply(steps=(ToolCall("data360_get_data", json.dumps(KENYA_DATA), call_id="c1"), Close()))])
    events = await collect(
        answer(*owner, "Population of Kenya", database=database, hub=hub, settings=scripted_settings(llm))
    )
    assert events[-1].status == "cut_off" and len(llm.requests) == 1
    assert not [e for e in events if isinstance(e, ev.ToolStarted)]
    _, reply, calls, _ = await stored_answer(database, owner)
    assert (reply.status, reply.content, calls) == ("cut_off", "", [])
    llm.set_script([Reply.text("Kenya's population is in the data.")])  # Continue with no text yet: answered afresh
    events = await collect(continue_answer(*owner, database=database, hub=hub, settings=scripted_settings(llm)))
    assert events[-1].status == "complete" and text_of(events) == "Kenya's population is in the data."
    assert llm.requests[-1].messages[-1] == {"role": "user", "content": "Population of Kenya"}


async def test_continue_appends_to_the_same_answer_with_the_earlier_data(llm: ScriptedLLM, database, hub, owner):
    values = kenya()
    first = f"Kenya had {values[2000]:,.0f} people in 2000 and "
    rest = f"{values[2020]:,.0f} in 2020, {(values[2020] - values[2000]) / values[2000] * 100:.1f}% more."
    llm.set_script(
        [Reply.tools(("data360_get_data", KENYA_DATA)), Reply(steps=(Text(first), Close())), Reply.text(rest)]
    )
    settings = scripted_settings(llm)
    cut = await collect(answer(*owner, "Population of Kenya since 2000", database=database, hub=hub, settings=settings))
    assert cut[-1].status == "cut_off"

    events = await collect(continue_answer(*owner, database=database, hub=hub, settings=settings))
    started, done = events[0], events[-1]
    assert isinstance(started, ev.AnswerStarted) and started.message_id == cut[-1].message_id
    assert events[1] == ev.TextDelta(first)  # followers see the text so far first
    assert text_of(events) == first + rest
    assert done.status == "complete" and done.grounded_share == 1.0  # numbers checked against the earlier data
    assert [c["kind"] for c in done.number_checks] == ["data", "data", "derived"]

    sent = llm.requests[-1].messages
    assert sent[-1] == {"role": "user", "content": CONTINUE_REQUEST}
    assert sent[-2] == {"role": "assistant", "content": first}
    [data] = [m for m in sent if m["role"] == "tool"]
    assert values[2020] in {float(r["OBS_VALUE"]) for r in table_records(json.loads(data["content"]))}

    question, reply, calls, charts = await stored_answer(database, owner)  # still one question and one answer
    assert (reply.id, reply.status, reply.content) == (started.message_id, "complete", first + rest)
    assert question.id == started.user_message_id
    assert len(calls) == 1 and len(charts) == 1  # the chart of the earlier data is not drawn twice
    with pytest.raises(NothingToContinue):
        await collect(continue_answer(*owner, database=database, hub=hub, settings=settings))


async def test_a_derived_number_is_verified_and_a_wrong_one_flagged_and_stored(
    llm: ScriptedLLM, database, hub, owner, tmp_path
):
    values = kenya()
    growth = (values[2020] - values[2000]) / values[2000] * 100
    final = (
        f"Kenya's population rose from {values[2000] / 1e6:.1f} million in 2000 to {values[2020] / 1e6:.1f} million "
        f"in 2020, a {growth:.0f}% increase. By 2050 it will reach 95.3 million."
    )
    llm.set_script([Reply.tools(("data360_get_data", KENYA_DATA)), Reply.text(final)])
    events = await collect(
        answer(*owner, "Population of Kenya", database=database, hub=hub, settings=scripted_settings(llm))
    )
    done = events[-1]
    expected = [
        {"text": f"{values[2000] / 1e6:.1f} million", "kind": "data", "where": "Population, total · Kenya · 2000"},
        {"text": f"{values[2020] / 1e6:.1f} million", "kind": "data", "where": "Population, total · Kenya · 2020"},
        {"text": f"{growth:.0f}%", "kind": "derived"},
        {"text": "95.3 million", "kind": "unverified", "where": ""},
    ]
    checks = done.number_checks
    assert checks[2]["where"].startswith("derived: change 2000→2020 of Population, total · Kenya")
    assert [{k: v for k, v in c.items() if k != "where" or c["kind"] != "derived"} for c in checks] == expected
    assert (done.status, done.grounded_share, done.ungrounded_numbers) == ("complete", 0.75, ["95.3 million"])
    assert "numbers computed from two of them" in llm.requests[0].messages[0]["content"]  # the model is told
    _, reply, _, _ = await stored_answer(database, owner)
    assert (reply.number_checks, reply.grounded_share) == (checks, 0.75)
    [api_reply] = [m for m in await api_messages(database, owner, tmp_path) if m["role"] == "assistant"]
    assert (api_reply["number_checks"], api_reply["grounded_share"]) == (checks, 0.75)
