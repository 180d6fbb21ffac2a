"""Where to send someone after they sign in: only paths of this app, never another site."""

from __future__ import annotations


def safe_next(path: str | None) -> str:
    """A local path to go to after signing in (anything else, such as `//elsewhere` or `https://x`, becomes `/`)."""
    if not path or not path.startswith("/") or path.startswith("//") or "\\" in path:
        return "/"
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in path):
        return "/"
    return path
