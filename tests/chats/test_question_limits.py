"""Questions per minute per person and per organisation: in process, shared by replicas through a real Redis, and
in process while Redis is down (absent at start, or stopped mid-run and back)."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from prometheus_client import REGISTRY

from data360_chat.chats.limits import QuestionLimitReached, QuestionLimits, organisation_of
from data360_chat.db.models import User
from data360_chat.rate_limits import MemoryWindows, windows_at
from tests.support.net import free_port
from tests.support.redis import own_redis


def person(email: str, organisation: str | None = None) -> User:
    issuer = "https://login.example.org/" if organisation else None
    return User(id=uuid.uuid4(), email=email, organisation=organisation, oidc_issuer=issuer)


def limits(url: str | None = None, *, person_limit: int = 3, organisation_limit: int = 5, window: float = 60.0):
    windows = windows_at(url) if url is not None else MemoryWindows()
    return QuestionLimits(windows, per_person=person_limit, per_organisation=organisation_limit, window=window)


async def asked(questions: QuestionLimits, user: User, times: int) -> list[str]:
    """What happened to each of `times` questions: `ok`, or the refusal's scope."""
    outcomes = []
    for _ in range(times):
        try:
            await questions.count(user)
            outcomes.append("ok")
        except QuestionLimitReached as exc:
            assert 1 <= exc.retry_after <= 60
            outcomes.append(exc.scope)
    return outcomes


def test_an_organisation_is_the_issuers_tenant_else_the_email_domain() -> None:
    assert organisation_of(person("ada@Example.org")) == "domain:example.org"
    with_tenant = organisation_of(person("ada@example.org", "72f988bf"))
    assert with_tenant.startswith("tenant:") and with_tenant.endswith(":72f988bf")
    assert with_tenant != organisation_of(person("bob@other.org", "other-tenant"))


@pytest.mark.parametrize("shared", [False, True], ids=["in-process", "redis"])
async def test_a_person_and_an_organisation_get_their_limit_a_minute(shared: bool, redis_url: str) -> None:
    domain = f"{uuid.uuid4().hex[:8]}.example.org"  # keys of their own in the shared Redis
    questions = limits(redis_url if shared else None)
    ada, bob, cy = (person(f"{name}@{domain}") for name in ("ada", "bob", "cy"))
    assert await asked(questions, ada, 4) == ["ok", "ok", "ok", "person"]
    assert await asked(questions, bob, 3) == ["ok", "ok", "organisation"]  # 5 a minute for the domain
    assert await asked(questions, cy, 1) == ["organisation"]
    elsewhere = person(f"dee@{uuid.uuid4().hex[:8]}.example.org")
    assert await asked(questions, elsewhere, 1) == ["ok"]


def refusals(scope: str) -> float:
    return REGISTRY.get_sample_value("d360_rate_limit_refusals_total", {"scope": scope}) or 0


async def test_refusals_are_counted_in_the_metrics_by_scope() -> None:
    before = {scope: refusals(scope) for scope in ("questions_per_person", "questions_per_organisation")}
    questions = limits(person_limit=1, organisation_limit=2)
    ada, bob, cy = person("ada@example.org"), person("bob@example.org"), person("cy@example.org")
    assert await asked(questions, ada, 2) + await asked(questions, bob, 1) + await asked(questions, cy, 1) == [
        "ok",
        "person",
        "ok",
        "organisation",
    ]
    assert refusals("questions_per_person") == before["questions_per_person"] + 1
    assert refusals("questions_per_organisation") == before["questions_per_organisation"] + 1


async def test_the_organisation_of_a_tenant_spans_email_domains() -> None:
    questions = limits(person_limit=10, organisation_limit=2)
    tenant = uuid.uuid4().hex
    assert await asked(questions, person("ada@one.example", tenant), 1) == ["ok"]
    assert await asked(questions, person("bob@two.example", tenant), 2) == ["ok", "organisation"]


async def test_a_refused_question_counts_for_nobody_and_a_given_back_one_frees_its_slot() -> None:
    questions = limits(person_limit=1, organisation_limit=2)
    ada, bob = person("ada@example.org"), person("bob@example.org")
    counted = await questions.count(ada)
    assert await asked(questions, ada, 2) == ["person", "person"]  # refusals are not counted for the domain
    assert await asked(questions, bob, 1) == ["ok"]
    await questions.give_back(counted)  # ada's question did not start
    assert await asked(questions, ada, 1) == ["ok"]


async def test_the_window_slides() -> None:
    questions = limits(person_limit=2, window=1.0)
    ada = person("ada@example.org")
    assert await asked(questions, ada, 3) == ["ok", "ok", "person"]
    await asyncio.sleep(1.1)
    assert await asked(questions, ada, 3) == ["ok", "ok", "person"]


async def test_replicas_share_the_count_and_parallel_questions_cannot_overshoot(redis_url: str) -> None:
    replicas = [limits(redis_url, person_limit=5, organisation_limit=100) for _ in range(2)]
    ada = person(f"ada@{uuid.uuid4().hex[:8]}.example.org")
    outcomes = await asyncio.gather(*(asked(replicas[n % 2], ada, 1) for n in range(20)))
    assert sorted(o[0] for o in outcomes) == ["ok"] * 5 + ["person"] * 15
    assert await asked(replicas[0], ada, 1) == ["person"] and await asked(replicas[1], ada, 1) == ["person"]


async def test_without_redis_at_start_each_replica_counts_in_process() -> None:
    questions = limits(f"redis://127.0.0.1:{free_port()}/0")  # configured, but nothing listens
    ada = person("ada@example.org")
    assert await asked(questions, ada, 4) == ["ok", "ok", "ok", "person"]


async def test_redis_stopped_mid_run_falls_back_in_process_and_is_shared_again_when_back() -> None:
    with own_redis() as server:
        here, there = limits(server.url), limits(server.url)
        ada = person("ada@example.org")
        assert await asked(here, ada, 2) == ["ok", "ok"]
        server.stop()
        assert await asked(here, ada, 3) == ["ok", "ok", "ok"]  # only this process's own count from here on
        assert await asked(here, ada, 1) == ["person"]
        server.start()  # back, empty
        assert await asked(there, ada, 3) == ["ok", "ok", "ok"]
        assert await asked(here, ada, 1) == ["person"]  # counted in Redis again: the other replica's three
