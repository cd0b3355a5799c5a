"""The base of every input schema: what no text or number from outside may be, in any field.

Each area's input shapes (``_In`` in ``schemas.py``) build on ``Input``. Whatever a field
means, its text must be storable and readable, and its whole numbers must fit the 64-bit
columns of both databases: otherwise the database refuses the row (PostgreSQL text cannot hold
NUL; a lone UTF-16 surrogate cannot be encoded at all; an integer beyond 64 bits overflows),
which would answer 500 instead of telling the sender what is wrong.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator
from pydantic_core import PydanticCustomError

# The largest magnitude a BIGINT (PostgreSQL) or INTEGER (SQLite) column holds.
LARGEST_INTEGER = 2**63 - 1
# Line breaks and tabs belong in multi-line text (an introduction, a note); no other control
# character does.
ALLOWED_CONTROLS = frozenset("\n\r\t")


class Input(BaseModel):
    # NaN and Infinity parse as JSON numbers in Python, but are no rating, weight or value.
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, allow_inf_nan=False)

    @field_validator("*", mode="after")
    @classmethod
    def _storable(cls, value: Any) -> Any:
        check_storable(value)
        return value


def check_storable(value: Any) -> None:
    """Raise a pydantic error for the first text or whole number in ``value`` (lists and
    mappings included) that no column can store as it is."""
    if isinstance(value, str):
        _check_text(value)
    elif isinstance(value, int) and not isinstance(value, bool):
        if abs(value) > LARGEST_INTEGER:
            raise PydanticCustomError(
                "int_out_of_range", "integer beyond 64 bits", {"limit": LARGEST_INTEGER}
            )
    elif isinstance(value, list | tuple | set | frozenset):
        for item in value:
            check_storable(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            check_storable(key)
            check_storable(item)


def _check_text(text: str) -> None:
    for ch in text:
        if "\ud800" <= ch <= "\udfff":
            raise PydanticCustomError("string_unreadable", "text with an unpaired surrogate")
        if ch not in ALLOWED_CONTROLS and unicodedata.category(ch) == "Cc":
            raise PydanticCustomError("string_control", "text with control characters")
