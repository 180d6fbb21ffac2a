"""Password hashing with argon2id (RFC 9106 low-memory parameters), run off the event loop.

Checking a password against an account that does not exist costs the same as a real check, so response times do
not tell which emails have accounts.
"""

from __future__ import annotations

import asyncio
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

MIN_LENGTH = 8
MAX_LENGTH = 1024

_hasher = PasswordHasher()  # argon2id, t=3, m=64 MiB, p=4


async def hash_password(password: str) -> str:
    """The argon2id hash of a password."""
    return await asyncio.to_thread(_hasher.hash, password)


@lru_cache(maxsize=1)
def _decoy_hash() -> str:
    return _hasher.hash("no account has this password")


def _verify(stored_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(stored_hash or _decoy_hash(), password) and stored_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


async def verify_password(stored_hash: str | None, password: str) -> bool:
    """Whether the password matches; with no hash (no such account) the same work is done and False returned."""
    if len(password) > MAX_LENGTH:  # never accepted at sign-up; checked against the decoy at bounded cost
        stored_hash, password = None, password[:MAX_LENGTH]
    return await asyncio.to_thread(_verify, stored_hash, password)


def needs_rehash(stored_hash: str) -> bool:
    """Whether a hash was made with weaker parameters than today's."""
    try:
        return _hasher.check_needs_rehash(stored_hash)
    except InvalidHashError:
        return True
