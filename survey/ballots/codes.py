"""Ballot codes (测评码): random, easy to type, with a check character, stored only as hashes.

A code is 13 random Crockford base-32 characters (65 bits from ``secrets``) and one check
character (Luhn mod 32, which catches every single wrong character and most swapped
neighbours), shown in groups of four: ``7KQ2-M9XD-4TBW-HR``. Typing is forgiving the way
Crockford intends: lower case, O for 0, I and L for 1, spaces and dashes are all accepted.
"""

from __future__ import annotations

import secrets

from survey.security import keyed_hash

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
PAYLOAD_LENGTH = 13  # 13 x 5 = 65 random bits
_VALUE = {ch: i for i, ch in enumerate(ALPHABET)}
_ALIASES = str.maketrans({"O": "0", "I": "1", "L": "1"})
_HASH_PURPOSE = "ballot-code"


def _check_character(payload: str) -> str:
    """Luhn mod N over the alphabet (N = 32), processing from the right."""
    total = 0
    factor = 2
    for ch in reversed(payload):
        addend = factor * _VALUE[ch]
        total += addend // 32 + addend % 32
        factor = 1 if factor == 2 else 2
    return ALPHABET[(32 - total % 32) % 32]


def new_code() -> str:
    payload = "".join(secrets.choice(ALPHABET) for _ in range(PAYLOAD_LENGTH))
    return payload + _check_character(payload)


def display(code: str) -> str:
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def normalise(typed: str) -> str | None:
    """The canonical code for what was typed, or None when it cannot be a code.

    None covers wrong length, characters outside the alphabet and a failed check character,
    so that typos are caught here, before any lookup (and before any rate limit counts).
    """
    cleaned = "".join(typed.split()).replace("-", "").upper().translate(_ALIASES)
    if len(cleaned) != PAYLOAD_LENGTH + 1 or any(ch not in _VALUE for ch in cleaned):
        return None
    payload, check = cleaned[:-1], cleaned[-1]
    return cleaned if _check_character(payload) == check else None


def code_hash(secret: str, code: str) -> str:
    return keyed_hash(secret, _HASH_PURPOSE, code)
