"""The base of every input schema: what no text or number from outside may be, in any field.

Each area's input shapes (``_In`` in ``schemas.py``) build on ``Input``. Whatever a field
means, its text must be storable and readable, and its whole numbers must fit the 64-bit
columns of both databases and be exact in any JSON reader: otherwise the database refuses the
row (PostgreSQL text cannot hold NUL; a lone UTF-16 surrogate cannot be encoded at all; an
integer beyond 64 bits overflows), which would answer 500 instead of telling the sender what
is wrong.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator
from pydantic_core import PydanticCustomError

# The largest whole number an input may hold: 2**53 - 1, the largest that every JSON reader
# (JavaScript's numbers, and the float the published schema's bounds are written as) keeps
# exactly, and well inside a BIGINT (PostgreSQL) or INTEGER (SQLite) column.
LARGEST_INTEGER = 2**53 - 1
# Line breaks and tabs belong in multi-line text (an introduction, a note); no other control
# character does.
ALLOWED_CONTROLS = frozenset("\n\r\t")


# What ``_check_text`` refuses, said in the JSON schema (ECMA-262 regex): no control character
# (category Cc: U+0000-U+001F, U+007F-U+009F) other than line feed, carriage return and tab.
_CONTROLS = r"\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F"
STORABLE_TEXT_PATTERN = rf"^[^{_CONTROLS}]*$"
# A required text is stripped of blanks before its length is checked: it must hold something
# besides blanks, as well as no control character.
STORABLE_FILLED_TEXT_PATTERN = rf"^[^{_CONTROLS}]*[^\s{_CONTROLS}][^{_CONTROLS}]*$"


def _document_limits(schema: dict[str, Any]) -> None:
    """Say in the published schema what every input refuses, so that clients (and the API
    contract test) know it: text without control characters, whole numbers within 2**53 - 1.
    Fields with a pattern, a format or bounds of their own keep them."""
    for field in schema.get("properties", {}).values():
        for shape in [field, *field.get("anyOf", []), field.get("items") or {}]:
            if shape.get("type") == "string" and not {"pattern", "format"} & shape.keys():
                filled = shape.get("minLength", 0) >= 1
                shape["pattern"] = STORABLE_FILLED_TEXT_PATTERN if filled else STORABLE_TEXT_PATTERN
            elif shape.get("type") == "integer":
                shape.setdefault("minimum", -LARGEST_INTEGER)
                shape.setdefault("maximum", LARGEST_INTEGER)


class Input(BaseModel):
    # NaN and Infinity parse as JSON numbers in Python, but are no rating, weight or value.
    model_config = ConfigDict(
        extra="forbid",
        str_strip_whitespace=True,
        allow_inf_nan=False,
        json_schema_extra=_document_limits,
    )

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
                "int_out_of_range", "integer beyond 2**53 - 1", {"limit": LARGEST_INTEGER}
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
