"""Prompt assembly: history within its budget, tool results compact and within theirs."""

from __future__ import annotations

import json

from data360_chat.assistant.prompt import (
    estimate_tokens,
    message_tokens,
    system_prompt,
    table_records,
    tool_result_for_model,
    trim_history,
)
from tests.support.wdi import rows


def data_payload(code: str, countries: tuple[str, ...], years: tuple[int, int]) -> dict:
    """A `data360_get_data`-shaped result with the file's rows."""
    data = [
        {
            "INDICATOR": r.indicator_id,
            "DATABASE_ID": "WB_WDI",
            "REF_AREA": r.country_code,
            "TIME_PERIOD": str(r.year),
            "OBS_VALUE": r.value,
            "UNIT_MEASURE": None,
        }
        for r in rows(code, countries, years)
    ]
    return {"data": data, "count": len(data), "total_count": len(data), "has_more": False}


def test_the_system_prompt_asks_for_care_with_numbers():
    prompt = system_prompt()
    for phrase in ("data360_search_indicators", "data360_get_data", "Never invent", "missing", "REF_AREA"):
        assert phrase in prompt


def test_history_keeps_the_latest_turns_within_budget():
    history = []
    for number in range(40):
        history.append({"role": "user", "content": f"Question {number} " + "about data " * 30})
        history.append({"role": "assistant", "content": f"Answer {number} " + "with figures " * 60})
    history.append({"role": "user", "content": "The question now"})
    kept = trim_history(history, 1000)
    assert kept[-1]["content"] == "The question now"
    assert kept[0]["role"] == "user"
    assert sum(message_tokens(m) for m in kept) <= 1000
    assert len(kept) < len(history)
    assert kept == history[-len(kept) :]


def test_an_oversized_question_is_still_sent():
    question = {"role": "user", "content": "x" * 50_000}
    assert trim_history([{"role": "user", "content": "old"}, question], 100) == [question]


def test_results_within_budget_keep_every_value_exactly():
    payload = data_payload("SP.POP.TOTL", ("KEN", "TZA"), (2000, 2024))
    text = tool_result_for_model(payload, 3000)
    assert estimate_tokens(text) <= 3000
    compact = json.loads(text)
    assert compact["data"]["same_for_all_rows"] == {"INDICATOR": "WB_WDI_SP_POP_TOTL", "DATABASE_ID": "WB_WDI"}
    records = table_records(compact)
    assert len(records) == len(payload["data"])
    expected = {(d["REF_AREA"], d["TIME_PERIOD"]): d["OBS_VALUE"] for d in payload["data"]}
    assert {(r["REF_AREA"], r["TIME_PERIOD"]): r["OBS_VALUE"] for r in records} == expected
    assert len(text) < len(json.dumps(payload)) / 2


def test_large_results_are_cut_to_budget_and_say_so():
    payload = data_payload("SP.POP.TOTL", (), (2010, 2020))
    text = tool_result_for_model(payload, 1000)
    assert estimate_tokens(text) <= 1000
    compact = json.loads(text)
    table = compact["data"]
    assert table["rows_left_out"] == len(payload["data"]) - len(table["rows"]) > 0
    assert "fewer countries or years" in table["note"]


def test_plain_text_results_are_cut_too():
    assert len(tool_result_for_model("word " * 10_000, 100)) < 400
    assert tool_result_for_model("short", 100) == "short"
