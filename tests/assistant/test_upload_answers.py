"""Answers about a person's uploaded file: the scripted model calls the upload tools over LiteLLM's HTTP path, next to
the offline Data360 server over MCP; the upload is charted with Data360 data and cited as "your upload"."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

from data360_chat.assistant import events as ev
from data360_chat.assistant.pipeline import answer
from data360_chat.db.engine import Database
from data360_chat.geography import gazetteer_for
from data360_chat.repositories.charts import list_charts
from data360_chat.repositories.uploads import add_upload, get_upload
from data360_chat.repositories.users import create_user
from data360_chat.settings import BUNDLED_DATA, Settings
from data360_chat.uploads.parsing import Limits, parse_csv
from tests.assistant.conftest import scripted_settings
from tests.support.scripted_llm import Reply, ScriptedLLM

FILE = Path(__file__).parent.parent / "uploads" / "files" / "clinics.csv"
LIMITS = Limits(max_bytes=1_000_000, max_rows=1000, max_columns=10, types=("csv",))
POPULATION = {
    "database_id": "WB_WDI",
    "indicator_id": "WB_WDI_SP_POP_TOTL",
    "disaggregation_filters": {"REF_AREA": "KEN"},
    "start_year": 2015,
    "end_year": 2022,
    "limit": 100,
}


async def upload_for(database: Database, user_id: uuid.UUID) -> uuid.UUID:
    table = parse_csv(FILE.name, FILE.read_bytes(), LIMITS, gazetteer_for(BUNDLED_DATA / "countries.csv"))
    async with database.session() as session:
        upload = await add_upload(
            session, user_id, filename=FILE.name, summary=table.summary_json(), points=table.points_json()
        )
    return upload.id


async def test_the_model_reads_the_upload_charts_it_beside_data360_and_cites_your_upload(
    llm: ScriptedLLM, database: Database, hub, owner
) -> None:
    user_id, chat_id = owner
    upload_id = await upload_for(database, user_id)
    final = "Clinics per 100k people in Kenya went from 10 in 2015 to 14.9 in 2022 (your upload, clinics.csv)."
    llm.set_script(
        [
            Reply.tools(("upload_list_series", {})),
            Reply.tools(
                ("upload_get_data", {"series_id": "u1-s1", "countries": "KEN"}),
                ("data360_get_data", POPULATION),
            ),
            Reply.text(final),
        ]
    )
    stream = answer(
        user_id,
        chat_id,
        "How do clinics in my upload compare with Kenya's population?",
        database=database,
        hub=hub,
        settings=scripted_settings(llm),
        upload_ids=[upload_id],
    )
    events = [event async for event in stream]
    done = events[-1]
    assert isinstance(done, ev.AnswerDone) and done.status == "complete"
    assert done.grounded_share == 1.0, done.ungrounded_numbers

    offered = {tool["function"]["name"] for tool in llm.requests[0].body["tools"]}
    assert {"upload_list_series", "upload_get_data", "data360_get_data"} <= offered
    assert "clinics.csv" in llm.requests[0].messages[0]["content"]
    listed = json.loads(next(m for m in llm.requests[1].messages if m["role"] == "tool")["content"])
    assert "u1-s1" in json.dumps(listed) and "Clinics per 100k people" in json.dumps(listed)

    [chart] = [e for e in events if isinstance(e, ev.ChartReady)]
    names = [trace["name"] for trace in chart.figure["data"]]
    assert names == ["Kenya · Data360", "Kenya · your upload"], "one chart for the shared country and years"
    mine = chart.figure["data"][1]
    assert mine["yaxis"] == "y2" and mine["y"] == [10.0, 10.4, 11.8, 12.1, 11.5, 12.9, 13.6, 14.9]
    assert "your upload (clinics.csv)" in chart.figure["layout"]["annotations"][0]["text"]

    [sources] = [e.sources for e in events if isinstance(e, ev.SourcesReady)]
    cited = {source["database"]: source for source in sources}
    assert cited["your upload (clinics.csv)"]["name"] == "Clinics per 100k people"
    assert cited["your upload (clinics.csv)"]["url"] == "" and cited["your upload (clinics.csv)"]["countries"] == [
        "Kenya"
    ]
    assert "World Development Indicators" in cited

    async with database.session() as session:
        stored = await get_upload(session, user_id, upload_id)
        [kept] = await list_charts(session, user_id, [done.message_id])
    assert stored is not None and stored.chat_id == chat_id, "the upload now belongs to the chat"
    assert {(row["country"], row["year"], row["value"]) for row in kept.data} >= {("Kenya", 2015, 10.0)}


async def test_someone_elses_upload_is_never_offered(llm: ScriptedLLM, database: Database, hub, owner) -> None:
    user_id, chat_id = owner
    async with database.session() as session:
        stranger = await create_user(session, f"{uuid.uuid4().hex[:8]}@example.org")
    theirs = await upload_for(database, stranger.id)
    llm.set_script([Reply.text("Nothing uploaded here.")])
    stream = answer(
        user_id,
        chat_id,
        "What is in my upload?",
        database=database,
        hub=hub,
        settings=scripted_settings(llm),
        upload_ids=[theirs],
    )
    events = [event async for event in stream]
    assert events[-1].status == "complete"
    offered = {tool["function"]["name"] for tool in llm.requests[0].body["tools"]}
    assert "upload_get_data" not in offered and "clinics.csv" not in llm.requests[0].messages[0]["content"]
    async with database.session() as session:
        untouched = await get_upload(session, stranger.id, theirs)
    assert untouched is not None and untouched.chat_id is None


async def test_the_offline_model_answers_about_an_upload_and_compares_it_with_data360(
    database: Database, hub, owner
) -> None:
    user_id, chat_id = owner
    upload_id = await upload_for(database, user_id)
    settings = Settings(llm_model="offline", offline_model_speed=2000.0)
    stream = answer(
        user_id,
        chat_id,
        "Compare my upload with the population of Kenya",
        database=database,
        hub=hub,
        settings=settings,
        upload_ids=[upload_id],
    )
    events = [event async for event in stream]
    text = "".join(e.text for e in events if isinstance(e, ev.TextDelta))
    done = events[-1]
    assert done.status == "complete" and done.grounded_share == 1.0, (text, done)
    assert "**Clinics per 100k people** from your upload **clinics.csv** for Kenya, 2015–2022" in text
    assert "- Kenya: 10 in 2015, 10.4 in 2016" in text and "14.9 in 2022." in text, text
    assert "Population, total" in text and "Source: your upload (clinics.csv)" in text
    calls = [e.name for e in events if isinstance(e, ev.ToolStarted)]
    assert calls == ["upload_list_series", "data360_search_indicators", "upload_get_data", "data360_get_data"]
    [chart] = [e for e in events if isinstance(e, ev.ChartReady)]
    assert [trace["name"] for trace in chart.figure["data"]] == ["Kenya · Data360", "Kenya · your upload"]
    [sources] = [e.sources for e in events if isinstance(e, ev.SourcesReady)]
    assert {source["database"] for source in sources} == {"World Development Indicators", "your upload (clinics.csv)"}
