"""Account management against a real PostgreSQL: the last-admin rule under races, refusals, search and audit."""

from __future__ import annotations

import asyncio

import pytest

from data360_chat.admin import accounts, audit
from data360_chat.admin.accounts import NotAdmin, Refused
from data360_chat.repositories import users


async def _people(database, *emails: str, admins: int = 0) -> list:
    async with database.session() as session:
        return [
            (await users.create_user(session, email, is_admin=index < admins)).id for index, email in enumerate(emails)
        ]


async def _change(database, actor, target, action) -> str:
    async with database.session() as session:
        return await accounts.change_account(session, actor, target, action)


async def test_two_admins_removing_each_other_at_once_leave_one(database):
    first, second = await _people(database, "first@example.org", "second@example.org", admins=2)
    outcomes = await asyncio.gather(
        _change(database, first, second, "revoke_admin"),
        _change(database, second, first, "revoke_admin"),
        return_exceptions=True,
    )
    assert sorted(type(outcome).__name__ for outcome in outcomes) == ["NotAdmin", "str"]
    async with database.session() as session:
        assert await accounts.active_admins(session) == 1
        [entry] = await audit.latest(session)
    assert entry.action == "revoke_admin"


async def test_the_last_admin_keeps_the_server_administered(database):
    [only] = await _people(database, "only@example.org", admins=1)
    for action in ("revoke_admin", "disable", "delete"):
        with pytest.raises(Refused, match="last admin"):
            await _change(database, only, only, action)
    async with database.session() as session:
        assert await audit.latest(session) == []


async def test_people_who_are_not_active_admins_change_nothing(database):
    boss, member, other = await _people(database, "boss@example.org", "member@example.org", "o@example.org", admins=1)
    with pytest.raises(NotAdmin):
        await _change(database, member, other, "grant_admin")
    await _change(database, boss, member, "grant_admin")
    await _change(database, boss, member, "disable")
    with pytest.raises(NotAdmin):  # a disabled admin can no longer act
        await _change(database, member, other, "delete")
    async with database.session() as session:
        assert (await users.get_user(session, other)) is not None


async def test_search_matches_email_or_name_and_treats_wildcards_as_text(database):
    await _people(database, "a_b@example.org", "axb@example.org", "carol@example.org")
    async with database.session() as session:
        assert [row.email for row in (await accounts.list_accounts(session, "a_b")).rows] == ["a_b@example.org"]
        assert (await accounts.list_accounts(session, "%")).total == 0
        found = await accounts.list_accounts(session, "EXAMPLE", page=99)
    assert (found.total, found.page, found.pages) == (3, 1, 1)
