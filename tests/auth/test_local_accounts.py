"""Local accounts over the real HTTP routes: sign-up rules, one generic failure, rate limits, timing, passwords."""

from __future__ import annotations

import asyncio
import secrets
import statistics
import time
from collections.abc import Callable
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from data360_chat.auth.local_accounts import AccountError
from data360_chat.auth.notices import NOTICES
from data360_chat.auth.service import AuthService
from data360_chat.rate_limits import MemoryWindows
from tests.auth.conftest import sign_up, web_client

PASSWORD = "correct horse battery"


def redirect(response: httpx.Response) -> tuple[str, dict[str, str]]:
    """Where a form post sent the browser: path and query parameters."""
    assert response.status_code == 303, response.text
    parts = urlsplit(response.headers["location"])
    return parts.path, {key: values[0] for key, values in parse_qs(parts.query).items()}


async def sign_in(http: httpx.AsyncClient, email: str, password: str) -> httpx.Response:
    return await http.post("/auth/sign-in", data={"email": email, "password": password})


async def test_the_first_account_is_an_admin_and_later_ones_are_not(make_service: Callable[..., AuthService]):
    service = make_service(admin_emails=["boss@example.org"])
    for email, admin in [("first@example.org", True), ("second@example.org", False), ("BOSS@example.org", True)]:
        async with web_client(service) as http:
            assert redirect(await sign_up(http, email)) == ("/", {})
            me = (await http.get("/api/v1/me")).json()
        assert me["email"] == email.lower() and me["is_admin"] is admin, email


@pytest.mark.parametrize(
    ("form", "code"),
    [
        ({"email": "not-an-email", "password": PASSWORD}, "invalid_email"),
        ({"email": "ada@example.org", "password": "short"}, "password_short"),
        ({"email": "ada@example.org", "password": " " * 12}, "password_blank"),
        ({"email": "ada@example.org", "password": PASSWORD, "password_confirm": "other"}, "password_mismatch"),
    ],
)
async def test_sign_up_refusals_name_the_problem(client: httpx.AsyncClient, form: dict, code: str):
    path, query = redirect(await client.post("/auth/sign-up", data=form))
    assert (path, query["error"]) == ("/sign-up", code)
    assert code in NOTICES
    assert client.cookies.get("d360_session") is None


async def test_an_email_is_taken_once_whatever_its_case_and_sign_up_does_not_say_so(
    client: httpx.AsyncClient, service: AuthService
):
    await sign_up(client, "ada@example.org")
    async with web_client(service) as other:
        path, query = redirect(await sign_up(other, "  ADA@Example.org ", "another password"))
        assert (path, query["error"]) == ("/sign-up", "signup_refused")
        assert "exists" not in NOTICES["signup_refused"] and "taken" not in NOTICES["signup_refused"]
        assert other.cookies.get("d360_session") is None
    async with web_client(service) as owner:  # the owner signing up again with their password is signed in
        assert redirect(await sign_up(owner, "ada@example.org"))[0] == "/"
        assert (await owner.get("/api/v1/me")).json()["email"] == "ada@example.org"


async def test_sign_ups_from_one_address_are_limited(make_service: Callable[..., AuthService]):
    service = make_service(signup_rate_limit=3)
    async with web_client(service, ip="192.0.2.90") as http:
        for n in range(3):
            assert redirect(await sign_up(http, f"person{n}@example.org"))[0] == "/"
        path, query = redirect(await sign_up(http, "person4@example.org"))
        assert (path, query["error"]) == ("/sign-up", "signup_limited")
    async with web_client(service, ip="192.0.2.91") as http:
        assert redirect(await sign_up(http, "person5@example.org"))[0] == "/"


async def test_sign_up_can_be_closed(make_service: Callable[..., AuthService]):
    async with web_client(make_service(signup_open=False)) as http:
        assert redirect(await sign_up(http, "ada@example.org"))[1]["error"] == "signup_closed"
        assert (await http.get("/api/v1/me")).status_code == 401


async def test_forms_from_another_site_are_refused(client: httpx.AsyncClient):
    response = await client.post(
        "/auth/sign-up",
        data={"email": "ada@example.org", "password": PASSWORD},
        headers={"Origin": "https://evil.example"},
    )
    assert redirect(response)[1]["error"] == "bad_origin"


async def test_wrong_password_and_unknown_email_look_the_same(client: httpx.AsyncClient, service: AuthService):
    await sign_up(client, "ada@example.org")
    async with web_client(service, ip="198.51.100.1") as http:
        wrong = await sign_in(http, "ada@example.org", "wrong password")
        unknown = await sign_in(http, "nobody@example.org", "wrong password")
        assert wrong.headers["location"] == unknown.headers["location"] == "/sign-in?error=wrong_credentials"
        assert NOTICES["wrong_credentials"] == "Wrong email or password."
        good = await sign_in(http, "ADA@example.org", PASSWORD)
        assert redirect(good)[0] == "/" and http.cookies.get("d360_session")


async def test_next_is_kept_and_only_local(client: httpx.AsyncClient):
    await sign_up(client, "ada@example.org")
    for target, expected in [("/account", "/account"), ("https://evil.example/", "/"), ("//evil.example", "/")]:
        response = await client.post(
            "/auth/sign-in", data={"email": "ada@example.org", "password": PASSWORD, "next": target}
        )
        assert response.headers["location"] == expected, target


@pytest.mark.parametrize("counted_in", ["process", "redis"])
async def test_more_than_five_failures_a_minute_are_refused(make_service, request, counted_in):
    redis_url = request.getfixturevalue("redis_url") if counted_in == "redis" else None
    service = make_service(redis_url=redis_url)
    email = f"ada-{secrets.token_hex(3)}@example.org"
    attacker, other_ip, spray_ip = (f"192.0.2.{secrets.randbelow(250) + 1}", "198.51.100.7", "198.51.100.9")
    async with web_client(service, ip="203.0.113.50") as owner:
        await sign_up(owner, email)

    async with web_client(service, ip=attacker) as http:
        for _ in range(5):
            assert redirect(await sign_in(http, email, "wrong password"))[1]["error"] == "wrong_credentials"
        refused = await sign_in(http, email, PASSWORD)  # even the right password, for now
        assert redirect(refused)[1]["error"] == "rate_limited"
        assert NOTICES["rate_limited"] == "Too many failed sign-ins. Wait a minute, then try again."
    async with web_client(service, ip=other_ip) as http:  # the account is limited from anywhere
        assert redirect(await sign_in(http, email, PASSWORD))[1]["error"] == "rate_limited"

    async with web_client(service, ip=spray_ip) as http:  # one IP trying many accounts
        for n in range(5):
            await sign_in(http, f"victim{n}-{secrets.token_hex(2)}@example.org", "guess")
        assert redirect(await sign_in(http, f"new-{secrets.token_hex(2)}@example.org", "guess"))[1]["error"] == (
            "rate_limited"
        )


@pytest.mark.parametrize("counted_in", ["process", "redis"])
async def test_parallel_guesses_are_counted_before_any_password_is_checked(make_service, request, counted_in):
    redis_url = request.getfixturevalue("redis_url") if counted_in == "redis" else None
    service = make_service(redis_url=redis_url)
    email = f"ada-{secrets.token_hex(3)}@example.org"
    async with web_client(service, ip="203.0.113.51") as owner:
        await sign_up(owner, email)
    async with web_client(service, ip=f"192.0.2.{secrets.randbelow(250) + 1}") as http:
        guesses = [f"guess {n}" for n in range(99)] + [PASSWORD]
        answers = await asyncio.gather(*(sign_in(http, email, guess) for guess in guesses))
    outcomes = [redirect(answer)[1].get("error", "signed in") for answer in answers]
    checked = [outcome for outcome in outcomes if outcome in ("wrong_credentials", "signed in")]
    assert len(checked) <= 5, f"{len(checked)} of 100 parallel attempts had their password checked"
    assert outcomes.count("rate_limited") >= 95


async def test_the_limit_lifts_after_a_minute(service: AuthService):
    clock = [1000.0]
    service.local.sign_ins.windows = MemoryWindows(clock=lambda: clock[0])
    await service.local.sign_up("ada@example.org", PASSWORD, ip="192.0.2.1")
    for _ in range(5):
        with pytest.raises(AccountError) as failure:
            await service.local.sign_in("ada@example.org", "wrong", ip="192.0.2.1")
        assert failure.value.code == "wrong_credentials"
    with pytest.raises(AccountError) as failure:
        await service.local.sign_in("ada@example.org", PASSWORD, ip="192.0.2.1")
    assert failure.value.code == "rate_limited"
    clock[0] += 61
    assert (await service.local.sign_in("ada@example.org", PASSWORD, ip="192.0.2.1")).email == "ada@example.org"


async def test_timing_does_not_tell_which_emails_exist(service: AuthService):
    await service.local.sign_up("ada@example.org", PASSWORD, ip="192.0.2.2")
    durations: dict[str, list[float]] = {"known": [], "unknown": []}
    for round_ in range(6):
        for kind, email in [("known", "ada@example.org"), ("unknown", f"nobody{round_}@example.org")]:
            service.local.sign_ins.windows = MemoryWindows()  # stay under the limit; only the time is measured
            started = time.perf_counter()
            with pytest.raises(AccountError):
                await service.local.sign_in(email, "wrong password", ip="192.0.2.2")
            durations[kind].append(time.perf_counter() - started)
    known, unknown = statistics.median(durations["known"]), statistics.median(durations["unknown"])
    assert known > 0.01 and unknown > 0.01  # both ran argon2id (tens of milliseconds), not a quick lookup
    assert 0.5 < unknown / known < 2.0, durations


async def test_changing_the_password_ends_the_other_sessions(service: AuthService):
    async with web_client(service) as here, web_client(service) as elsewhere:
        await sign_up(here, "ada@example.org")
        await sign_in(elsewhere, "ada@example.org", PASSWORD)
        user_id = (await here.get("/api/v1/me")).json()["id"]
        keep = here.cookies.get("d360_session")

        with pytest.raises(AccountError) as wrong:
            await service.change_password(user_id, "not it", "a new passphrase", ip="192.0.2.3", keep_session=keep)
        assert wrong.value.code == "wrong_current_password"
        with pytest.raises(AccountError) as short:
            await service.change_password(user_id, PASSWORD, "short", ip="192.0.2.3", keep_session=keep)
        assert short.value.code == "password_short"
        assert (await elsewhere.get("/api/v1/me")).status_code == 200

        ended = await service.change_password(user_id, PASSWORD, "a new passphrase", ip="192.0.2.3", keep_session=keep)
        assert ended == 1
        assert (await here.get("/api/v1/me")).status_code == 200
        assert (await elsewhere.get("/api/v1/me")).status_code == 401
    async with web_client(service, ip="198.51.100.20") as http:
        assert redirect(await sign_in(http, "ada@example.org", PASSWORD))[1]["error"] == "wrong_credentials"
        assert redirect(await sign_in(http, "ada@example.org", "a new passphrase"))[0] == "/"
