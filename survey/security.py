"""Secrets: password hashing, random tokens and identifiers."""

from __future__ import annotations

import functools
import hashlib
import hmac
import secrets
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()


@functools.cache
def _dummy_hash() -> str:
    """Verifying against this when the user does not exist keeps the timing of a failed login
    independent of whether the username is known. Made on first use, not on import: an argon2
    hash takes a good part of a second on a busy machine, and every ``pingyi`` command and
    server process imports this module."""
    return _hasher.hash("pingyi-dummy-password")


def prepare_login_timing() -> None:
    """Make the stand-in hash now (a server calls this when it starts)."""
    _dummy_hash()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        checked = _hasher.verify(password_hash or _dummy_hash(), password)
        return checked and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def new_token(nbytes: int = 32) -> str:
    return secrets.token_urlsafe(nbytes)


def sha256_hex(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def keyed_hash(secret: str, purpose: str, value: str) -> str:
    """HMAC-SHA256 of ``value``, domain-separated by ``purpose``."""
    return hmac.new(f"{purpose}:{secret}".encode(), value.encode(), hashlib.sha256).hexdigest()


def random_id() -> str:
    """128 random bits as 32 hex characters: identifiers that say nothing about order."""
    return secrets.token_hex(16)


def time_ordered_id(at: datetime) -> str:
    """32 hex characters: the second of ``at`` (10), then 88 random bits (22).

    For rows that store their time to the second anyway (survey responses): the id says no
    more than that column, and rows written together sit together in every index that ends
    with the id, so a batch of submissions dirties a few pages instead of one per answer.
    Ballots keep ``random_id``: they store only the day they were cast.
    """
    return f"{int(at.timestamp()):010x}{secrets.token_hex(11)}"


def new_password() -> str:
    return secrets.token_urlsafe(12)
