"""Secrets: password hashing, random tokens and identifiers."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()
# Verifying against this when the user does not exist keeps the timing of a failed login
# independent of whether the username is known.
_DUMMY_HASH = _hasher.hash("pingyi-dummy-password")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
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


def new_password() -> str:
    return secrets.token_urlsafe(12)
