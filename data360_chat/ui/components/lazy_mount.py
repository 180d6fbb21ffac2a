"""Children rendered only when they come near the screen (`assets/lazy_mount.jsx`)."""

from __future__ import annotations

import reflex as rx


class LazyMount(rx.Component):
    """A box that mounts its children once it is within 600 px of the visible area."""

    library = "$/public/lazy_mount.jsx"
    tag = "LazyMount"

    min_height: rx.Var[str]


def lazy(child: rx.Component, min_height: str) -> rx.Component:
    """`child`, mounted when it scrolls near the screen; until then an empty box `min_height` tall."""
    return LazyMount.create(child, min_height=min_height)
