"""The server secret that signs short-lived cookies (OIDC sign-in state): `SECRET_KEY`, or one kept in `DATA_DIR`."""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path

from data360_chat.settings import Settings

FILE_NAME = "secret_key"


def load_secret_key(settings: Settings) -> bytes:
    """`SECRET_KEY` if set; else the key in `DATA_DIR/secret_key`, created (mode 0600) on first use."""
    if settings.secret_key:
        return settings.secret_key.encode()
    path = Path(settings.data_dir) / FILE_NAME
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        # Written aside, then linked into place: a process starting at the same moment never reads half a key.
        draft = path.with_name(f".{FILE_NAME}.{os.getpid()}.{secrets.token_hex(4)}")
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as file:
            file.write(secrets.token_urlsafe(48))
        with contextlib.suppress(FileExistsError):
            os.link(draft, path)
        draft.unlink()
    key = path.read_text().strip()
    if not key:
        raise RuntimeError(f"{path} is empty: delete it or set SECRET_KEY")
    return key.encode()
