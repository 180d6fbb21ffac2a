"""The OpenAPI document of `/api/v1`: served as generated, naming every route, and every operation driven by
schemathesis with generated requests (valid and invalid) against the running API (offline model, offline MCP
server): no server error, status codes, content types, headers, bodies and events as documented, invalid requests
refused, and every error a JSON body with a message."""

from __future__ import annotations

import secrets
import uuid
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance
from starlette.routing import Route

from data360_chat.auth.api_keys import KEY_PREFIX
from data360_chat.auth.tokens import token_hash
from data360_chat.db.engine import Database
from data360_chat.repositories.api_keys import add_api_key
from data360_chat.repositories.users import create_user
from data360_chat.web.api_routes import PREFIX, ApiRoutes
from data360_chat.web.openapi import openapi_document
from tests.web.conftest import MAX_MESSAGE_CHARS, Api, api_fixture

api = api_fixture(LLM_MODEL="offline", OFFLINE_MODEL_SPEED="5000")
# A question over the limit is refused with 413 (documented), which schemathesis does not expect by default.
REFUSALS = [400, 401, 403, 404, 405, 409, 413, 429]
# Operations whose valid requests a schema cannot tell from invalid ones, so a 400 for a "schema-valid" request is
# right: `before` is valid only as a `next_before` the API handed out; a `Last-Event-ID` of another type, once sent
# as header text, counts as valid to schemathesis whatever its pattern says.
VALID_BEYOND_THE_SCHEMA = {"/api/v1/chats", "/api/v1/ask/{message_id}/events"}


def errors_are_json_with_a_message(ctx: Any, response: schemathesis.Response, case: schemathesis.Case) -> None:
    """Every refusal under `/api/` is `{"error": ..., "message": ...}` with a message to show."""
    if response.status_code >= 400:
        body = response.json()
        assert isinstance(body, dict) and isinstance(body.get("message"), str) and body["message"].strip(), body


# The caller's API key, made up here so schemathesis can be told it; stored by `caller` as a key made on the
# account page is (only its hash).
PREFIX_HEX = secrets.token_hex(4)
API_KEY = f"{KEY_PREFIX}{PREFIX_HEX}_{secrets.token_urlsafe(32)}"
CONFIG = schemathesis.Config.from_dict(
    {
        "auth": {"openapi": {"bearer": {"bearer": API_KEY}}},
        "checks": {"negative_data_rejection": {"expected-statuses": REFUSALS}},
    }
)
schema = schemathesis.openapi.from_dict(openapi_document(MAX_MESSAGE_CHARS), config=CONFIG)


@pytest.fixture(scope="module")
async def caller(api: Api) -> None:
    """The owner of `API_KEY`, with a chat holding an answer and its chart, so some generated ids are real ones."""
    database = Database(api.db_url)
    try:
        async with database.session() as session:
            user = await create_user(session, f"{uuid.uuid4().hex[:10]}@example.org")
            await add_api_key(session, user.id, name="schemathesis", prefix=PREFIX_HEX, key_hash=token_hash(API_KEY))
    finally:
        await database.dispose()
    async with httpx.AsyncClient(base_url=api.url, headers={"Authorization": f"Bearer {API_KEY}"}, timeout=30) as http:
        response = await http.post("/api/v1/ask", json={"question": "Population of Kenya since 2015"})
    assert response.status_code == 200 and response.json()["charts"], response.text


def test_the_served_document_is_the_generated_one_and_names_every_route(api):
    served = httpx.get(f"{api.url}{PREFIX}/openapi.json")
    assert served.status_code == 200 and served.json() == openapi_document(MAX_MESSAGE_CHARS)
    routes = {
        (route.path, method.lower())
        for route in ApiRoutes(lambda: None).routes()  # type: ignore[arg-type,return-value]
        if isinstance(route, Route) and "{rest:path}" not in route.path
        for method in route.methods or ()
        if method != "HEAD"
    }
    paths = openapi_document(MAX_MESSAGE_CHARS)["paths"]
    assert routes == {(path, method) for path, operations in paths.items() for method in operations}


@schema.parametrize()  # the same generated requests on every run (derandomized), so a failure repeats
@settings(max_examples=25, deadline=None, database=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_every_operation_answers_as_documented(case: schemathesis.Case, api, caller) -> None:
    response = case.call(base_url=api.url, timeout=30)
    excluded = [positive_data_acceptance] if case.operation.path in VALID_BEYOND_THE_SCHEMA else []
    case.validate_response(response, additional_checks=[errors_are_json_with_a_message], excluded_checks=excluded)
