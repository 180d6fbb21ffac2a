"""`POST /api/v1/ask` against the real thing: the app's routes in their own process, PostgreSQL, the offline MCP
server over HTTP and a scripted model over LiteLLM's HTTP path. JSON and streamed answers, resuming a stream,
heartbeats, refusals, ownership, and the answer in the chat as the page shows it."""

from __future__ import annotations

import asyncio
import csv
import io
import uuid

from data360_chat.chats.views import turn_view
from data360_chat.db.engine import Database
from data360_chat.repositories.conversations import load_conversation
from tests.support.data360_tools import KENYA_DATA, POPULATION
from tests.support.scripted_llm import Pause, Reply, Text, many_words
from tests.support.wdi import rows
from tests.web.conftest import HEARTBEAT_SECONDS, Api, api_fixture, events_of, read_sse, text_of

QUESTIONS_A_MINUTE = 6
api = api_fixture(USER_QUESTION_LIMIT=str(QUESTIONS_A_MINUTE))

QUESTION = "Population of Kenya since 2000"


def kenya() -> dict[int, float]:
    return {r.year: r.value for r in rows("SP.POP.TOTL", ("KEN",), (2000, 2024))}


def kenya_answer() -> str:
    values = kenya()
    return f"Kenya had {values[2000]:,.0f} people in 2000 and {values[2024] / 1e6:.1f} million in 2024."


def script_kenya(api: Api, final: str, **options: object) -> None:
    api.llm.set_script(
        [
            Reply.tools(("data360_get_data", KENYA_DATA), usage=(100, 10)),
            Reply(steps=(Text(final),), usage=(200, 20), **options),
        ]
    )


async def test_a_json_answer_carries_what_the_tools_returned_and_is_stored_in_the_chat(api, api_db, new_person):
    person = await new_person()
    final = kenya_answer()
    script_kenya(api, final)
    response = await person.http.post("/api/v1/ask", json={"question": QUESTION})
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["status"], body["answer"], body["error"]) == ("complete", final, None)
    assert body["token_usage"] == {"prompt_tokens": 300, "completion_tokens": 30, "total_tokens": 330}
    values = kenya()
    [citation] = body["citations"]
    assert citation == {
        "indicator": citation["indicator"],
        "indicator_id": POPULATION,
        "database": "World Development Indicators",
        "countries": ["Kenya"],
        "years": {"start": min(values), "end": max(values)},
        "url": f"https://data360.worldbank.org/en/indicator/{POPULATION}",
    }
    assert "population" in citation["indicator"].lower()
    assert body["confidence"] == 1.0
    assert body["confidence_factors"] == {
        "grounded_share": 1.0,
        "tool_success": 1.0,
        "year_coverage": 1.0,
        "has_data": True,
    }

    [chart] = body["charts"]
    table = list(csv.DictReader(io.StringIO((await person.http.get(chart["csv_url"])).text)))
    assert {(int(row["year"]), float(row["value"])) for row in table} == set(values.items())
    figure = (await person.http.get(chart["plotly_json_url"])).json()
    assert [float(y) for trace in figure["data"] for y in trace["y"]] == [values[year] for year in sorted(values)]
    assert chart["title"] and figure["layout"]

    # Stored in the chat like a question asked on the page: the API's chat view and the page's own view show it.
    chat_id = uuid.UUID(body["chat_id"])
    listed = (await person.http.get(f"/api/v1/chats/{chat_id}/messages")).json()["messages"]
    assert [(m["id"], m["role"], m["content"]) for m in listed] == [
        (body["question_id"], "user", QUESTION),
        (body["message_id"], "assistant", final),
    ]
    assert listed[1]["charts"][0]["plotly_json_url"] == chart["plotly_json_url"]
    async with api_db.session() as session:
        conversation = await load_conversation(session, person.user_id, chat_id)
    question, answer = [turn_view(turn) for turn in conversation.turns]
    assert (question.content, answer.id, answer.status) == (QUESTION, body["message_id"], "complete")
    assert answer.content.startswith("Kenya had") and [c.csv_url for c in answer.charts] == [chart["csv_url"]]
    assert (await person.http.get(f"/api/v1/ask/{body['message_id']}")).json() == body


async def test_a_failed_tool_lowers_the_confidence(api, new_person):
    person = await new_person()
    api.llm.set_script(
        [
            Reply.tools(("data360_get_data", KENYA_DATA), ("data360_get_data", {**KENYA_DATA, "indicator_id": "NOPE"})),
            Reply.text(kenya_answer()),
        ]
    )
    body = (await person.http.post("/api/v1/ask", json={"question": QUESTION})).json()
    assert body["status"] == "complete"
    assert body["confidence_factors"]["tool_success"] == 0.5 and body["confidence"] == 0.5


async def test_a_streamed_answer_sends_its_events_in_order_and_ends_with_the_json_answer(api, new_person):
    person = await new_person()
    final = kenya_answer()
    script_kenya(api, final)
    async with person.http.stream("POST", "/api/v1/ask", json={"question": QUESTION, "stream": True}) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        found = events_of(await read_sse(response))
    names = [item.event for item in found]
    assert names[0] == "response.created" and names[-1] == "response.completed"
    assert names.index("response.tool_call.started") < names.index("response.tool_call.completed")
    assert names.index("response.tool_call.completed") < names.index("response.output_text.delta")
    assert names.index("response.output_text.delta") < names.index("response.chart") < len(names) - 1
    assert "response.error" not in names
    assert all(item.id for item in found) and len({item.id for item in found}) == len(found)
    created, completed = found[0].data, found[-1].data
    assert created["message_id"] == completed["message_id"] and created["status"] == "streaming"
    assert text_of(found) == final == completed["answer"]
    [started] = [item.data for item in found if item.event == "response.tool_call.started"]
    [ended] = [item.data for item in found if item.event == "response.tool_call.completed"]
    assert (started["name"], started["arguments"], ended["status"]) == ("data360_get_data", KENYA_DATA, "ok")
    [chart] = [item.data for item in found if item.event == "response.chart"]
    assert completed["charts"] == [chart]
    assert (await person.http.get(f"/api/v1/ask/{completed['message_id']}")).json() == completed


async def test_a_dropped_stream_resumes_after_last_event_id_without_repeating_text(api, api_db, new_person):
    person = await new_person()
    final = "Kenya's population grew. " + many_words(120)
    api.llm.set_script([Reply(steps=(Text(final, per_chunk=6),), chunk_delay=0.02)])
    async with person.http.stream("POST", "/api/v1/ask", json={"question": "Tell me", "stream": True}) as response:
        first = events_of(
            await read_sse(response, until=lambda seen: sum(s.event == "response.output_text.delta" for s in seen) >= 5)
        )
    message_id = first[0].data["message_id"]
    assert 0 < len(text_of(first)) < len(final)
    await asyncio.sleep(0.3)  # the answer goes on without anyone following it

    headers = {"Last-Event-ID": first[-1].id}
    async with person.http.stream("GET", f"/api/v1/ask/{message_id}/events", headers=headers) as response:
        assert response.status_code == 200
        rest = events_of(await read_sse(response))
    assert "response.created" not in [item.event for item in rest]
    assert text_of(first) + text_of(rest) == final
    assert rest[-1].event == "response.completed" and rest[-1].data["answer"] == final
    assert not api.llm.requests[-1].abandoned  # the model was never stopped

    # After the end: from the last delta only the end is missing; from the end nothing is.
    last_delta = [item for item in rest if item.event == "response.output_text.delta"][-1]
    for after, expected in ((last_delta.id, ["response.completed"]), (rest[-1].id, [])):
        async with person.http.stream(
            "GET", f"/api/v1/ask/{message_id}/events", headers={"Last-Event-ID": after}
        ) as response:
            assert [item.event for item in events_of(await read_sse(response))] == expected

    # From the start (no Last-Event-ID): the whole answer again, as it is stored.
    async with person.http.stream("GET", f"/api/v1/ask/{message_id}/events") as response:
        again = events_of(await read_sse(response))
    assert again[0].event == "response.created" and text_of(again) == final


async def test_heartbeats_keep_a_quiet_stream_open(api, new_person):
    person = await new_person()
    api.llm.set_script([Reply(steps=(Pause(HEARTBEAT_SECONDS * 5), Text("Finally here.")))])
    async with person.http.stream("POST", "/api/v1/ask", json={"question": "Slow", "stream": True}) as response:
        found = await read_sse(response)
    first_text = next(i for i, item in enumerate(found) if item.event == "response.output_text.delta")
    beats = [item for item in found[:first_text] if item.comment]
    assert len(beats) >= 3 and all(item.comment == ": keep-alive" for item in beats)
    assert text_of(found) == "Finally here."


async def test_another_persons_chat_answer_and_chart_are_not_found(api, new_person):
    alice, mallory = await new_person(), await new_person()
    script_kenya(api, kenya_answer())
    body = (await alice.http.post("/api/v1/ask", json={"question": QUESTION})).json()
    asked = len(api.llm.requests)
    attempts = [
        mallory.http.post("/api/v1/ask", json={"question": "Mine now", "chat_id": body["chat_id"]}),
        mallory.http.post("/api/v1/ask", json={"question": "Anyone?", "chat_id": str(uuid.uuid4())}),
        mallory.http.get(f"/api/v1/ask/{body['message_id']}"),
        mallory.http.get(f"/api/v1/ask/{body['message_id']}/events"),
        mallory.http.get(f"/api/v1/ask/{body['question_id']}"),
        mallory.http.get(body["charts"][0]["plotly_json_url"]),
        alice.http.get(f"/api/v1/ask/{body['question_id']}"),  # a question is not an answer
        alice.http.get("/api/v1/ask/999999999"),
    ]
    for response in await asyncio.gather(*attempts):
        assert response.status_code == 404, response.request.url
        assert response.json() == {"error": "not_found", "message": "Not found."} or "does not exist" in response.text
    assert len(api.llm.requests) == asked  # nothing was answered for Mallory


async def test_refusals_answer_json_with_a_message_and_store_nothing(api, api_db: Database, new_person):
    person = await new_person()
    cases = [
        ({"question": ""}, 400, "empty"),
        ({"question": "   "}, 400, "empty"),
        ({"question": "x" * 301}, 413, "limit is 300"),
        ({}, 400, "question"),
        ({"question": 42}, 400, "question"),
        ({"question": "Hi", "chat_id": "not-a-uuid"}, 400, "chat_id"),
        ({"question": "Hi", "colour": "blue"}, 400, "colour"),
        ([1, 2], 400, "question"),
    ]
    for body, status, words in cases:
        response = await person.http.post("/api/v1/ask", json=body)
        assert response.status_code == status, (body, response.text)
        assert words in response.json()["message"], response.json()
    broken = await person.http.post("/api/v1/ask", content=b"{not json", headers={"Content-Type": "application/json"})
    assert broken.status_code == 400 and "question" in broken.json()["message"]
    bad_cursor = await person.http.get("/api/v1/ask/1/events", headers={"Last-Event-ID": "garbage"})
    assert bad_cursor.status_code == 400 and "Last-Event-ID" in bad_cursor.json()["message"]
    anonymous = await person.http.post("/api/v1/ask", json={"question": "Hi"}, headers={"Authorization": ""})
    assert anonymous.status_code == 401 and anonymous.json()["message"]
    assert (await person.http.get("/api/v1/chats")).json()["chats"] == []


async def test_a_busy_chat_is_409_and_too_many_answers_at_once_429_with_retry_after(api, new_person):
    person = await new_person()
    api.llm.set_script(lambda body: Reply(steps=(Pause(3.0), Text("Done at last."))))
    async with person.http.stream("POST", "/api/v1/ask", json={"question": "Slow one", "stream": True}) as response:
        [created] = await read_sse(response, until=lambda seen: bool(events_of(seen)))
    busy = await person.http.post("/api/v1/ask", json={"question": "And?", "chat_id": created.data["chat_id"]})
    assert busy.status_code == 409, busy.text
    assert int(busy.headers["Retry-After"]) > 0 and "already being written" in busy.json()["message"]

    running = [asyncio.create_task(person.http.post("/api/v1/ask", json={"question": f"Q{n}"})) for n in range(2)]
    async with asyncio.timeout(30):  # until all three are being written (each in a chat of its own)
        while len((await person.http.get("/api/v1/chats")).json()["chats"]) < 3:  # noqa: ASYNC110
            await asyncio.sleep(0.05)
    refused = await person.http.post("/api/v1/ask", json={"question": "One more"})
    assert refused.status_code == 429, refused.text
    assert int(refused.headers["Retry-After"]) > 0 and "answers" in refused.json()["message"]
    assert [(await task).json()["status"] for task in running] == ["complete", "complete"]
    answered = await person.http.get(f"/api/v1/ask/{created.data['message_id']}")
    assert answered.json()["answer"] == "Done at last."  # the dropped stream's answer was finished and kept
    assert (await person.http.post("/api/v1/ask", json={"question": "Now?"})).status_code == 200


async def test_too_many_questions_a_minute_is_429_with_retry_after(api, new_person):
    person = await new_person()
    api.llm.set_script(lambda body: Reply.text("Noted."))
    for number in range(QUESTIONS_A_MINUTE):
        assert (await person.http.post("/api/v1/ask", json={"question": f"Q{number}"})).status_code == 200
    refused = await person.http.post("/api/v1/ask", json={"question": "One too many"})
    assert refused.status_code == 429 and refused.json()["error"] == "rate_limited", refused.text
    assert 0 < int(refused.headers["Retry-After"]) <= 60 and "questions" in refused.json()["message"]


async def test_a_chat_deleted_while_its_answer_streams_ends_the_stream_with_an_error(api, new_person):
    person = await new_person()
    api.llm.set_script([Reply(steps=(Text(many_words(150), per_chunk=6),), chunk_delay=0.02)])
    async with person.http.stream("POST", "/api/v1/ask", json={"question": "Long", "stream": True}) as response:
        reading = asyncio.create_task(read_sse(response))
        await asyncio.sleep(1.0)
        [chat] = (await person.http.get("/api/v1/chats")).json()["chats"]
        assert (await person.http.delete(f"/api/v1/chats/{chat['id']}")).status_code == 204
        found = events_of(await reading)
    assert found[0].event == "response.created" and found[-1].event == "response.error"
    assert found[-1].data["message"] == "The answer is no longer available."
    assert "response.completed" not in [item.event for item in found]
