"""Who is making a request, as resolved on the server."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Literal

from data360_chat.db.models import User

Via = Literal["session", "bearer", "api_key"]


@dataclass(frozen=True)
class CurrentUser:
    """A signed-in, active account and how it proved who it is."""

    id: uuid.UUID
    email: str
    display_name: str
    is_admin: bool
    via: Via
    has_password: bool = False

    @classmethod
    def of(cls, user: User, via: Via) -> CurrentUser:
        """The current user for an account row."""
        return cls(
            id=user.id,
            email=user.email,
            display_name=user.display_name,
            is_admin=user.is_admin,
            via=via,
            has_password=user.password_hash is not None,
        )
