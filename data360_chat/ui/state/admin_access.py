"""Who may use the admin pages' states: the signed-in admin, and nobody else."""

from __future__ import annotations

import reflex as rx

from data360_chat.admin import service as admin
from data360_chat.auth.identity import CurrentUser
from data360_chat.ui.state.auth import signed_in_user


async def signed_in_admin(state: rx.State) -> CurrentUser | None:
    """The signed-in admin; for anyone else `state` forgets everything, so its page shows "not found".

    `state` has an `allowed` var, set here once an admin is seen.
    """
    user = await signed_in_user(state)
    if not admin.is_admin(user):
        state.reset()
        return None
    state.allowed = True  # type: ignore[attr-defined]
    return user
