"""How many questions people ask: at most `USER_QUESTION_LIMIT` a minute per person and `TENANT_QUESTION_LIMIT` a
minute per organisation, over sliding windows shared by every replica through Redis (in process without it).

An organisation is the one the issuer names in its tenant claim (`OIDC_TENANT_CLAIM`), else the email's domain.
A question is counted before it starts; one refused for another reason is given back, so only questions that
started count.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from functools import lru_cache

from data360_chat.db.models import User
from data360_chat.rate_limits import AttemptLimit, RateLimited, Windows, windows_at
from data360_chat.settings import Settings, get_settings

log = logging.getLogger(__name__)

WINDOW = 60.0  # seconds


class QuestionLimitReached(RateLimited):
    """Too many questions within the minute; `scope` is `person` or `organisation`, `limit` the number allowed."""

    def __init__(self, scope: str, limit: int, retry_after: float) -> None:
        super().__init__(retry_after)
        self.scope = scope
        self.limit = limit


def organisation_of(user: User) -> str:
    """The key of the user's organisation: the issuer's tenant, else the email domain."""
    if user.organisation:
        return f"tenant:{user.oidc_issuer or ''}:{user.organisation}"
    return "domain:" + user.email.rpartition("@")[2].lower()


@dataclass(frozen=True)
class Counted:
    """A question counted against its person and organisation (to give back if it did not start)."""

    taken: list[tuple[str, str]]


class QuestionLimits:
    """Questions per person and per organisation within a sliding minute."""

    def __init__(self, windows: Windows, *, per_person: int, per_organisation: int, window: float = WINDOW) -> None:
        self.person = AttemptLimit(windows, limit=per_person, window=window, scope="questions_per_person")
        self.organisation = AttemptLimit(
            windows, limit=per_organisation, window=window, scope="questions_per_organisation"
        )

    async def count(self, user: User) -> Counted:
        """Count one question of `user`, or raise `QuestionLimitReached` (and count nothing)."""
        try:
            mine = await self.person.take(f"questions:user:{user.id}")
        except RateLimited as exc:
            raise self._refused("person", self.person.limit, exc, user.id) from None
        try:
            theirs = await self.organisation.take(f"questions:{organisation_of(user)}")
        except RateLimited as exc:
            await self.person.give_back(mine)
            raise self._refused("organisation", self.organisation.limit, exc, user.id) from None
        return Counted([*mine, *theirs])

    async def give_back(self, counted: Counted) -> None:
        """Forget a counted question that did not start."""
        await self.person.give_back(counted.taken)

    @staticmethod
    def _refused(scope: str, limit: int, exc: RateLimited, user_id: uuid.UUID) -> QuestionLimitReached:
        """The refusal, logged (`AttemptLimit` counts it in the metrics under its scope)."""
        log.info("question of %s refused: %d a minute per %s", user_id, limit, scope)
        return QuestionLimitReached(scope, limit, exc.retry_after)


def question_limits_for(settings: Settings) -> QuestionLimits:
    """The limits these settings ask for, in Redis when `REDIS_URL` is set."""
    return QuestionLimits(
        windows_at(settings.redis_url),
        per_person=settings.user_question_limit,
        per_organisation=settings.tenant_question_limit,
    )


@lru_cache(maxsize=1)
def get_question_limits() -> QuestionLimits:
    """The process-wide limits (the app's settings)."""
    return question_limits_for(get_settings())
