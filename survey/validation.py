"""Pydantic's validation problems as translatable messages.

Pydantic words its problems in English ("Field required", "Input should be ..."); a user of
the Chinese UI must read them in Chinese. Each error type that our schemas can raise gets a
message id here; its context (limits, allowed values) fills the placeholders. A type not
listed falls back to a general sentence naming the type, never to pydantic's English text.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import ValidationError

from survey.errors import N_, Message
from survey.schemas import CODE_PATTERN

_NUMBER = N_("a number is expected")
_WHOLE = N_("a whole number is expected")
_MAPPING = N_("a mapping (key: value) is expected")
_LIST = N_("a list is expected")
_TEXT = N_("text is expected")
_BOOLEAN = N_("true or false is expected")

# Error types whose message needs no value from the context.
_PLAIN: dict[str, str] = {
    "missing": N_("a value is required"),
    "extra_forbidden": N_("this field is not expected here"),
    "string_type": _TEXT,
    "string_unicode": _TEXT,
    "float_type": _NUMBER,
    "float_parsing": _NUMBER,
    "decimal_type": _NUMBER,
    "decimal_parsing": _NUMBER,
    "int_type": _WHOLE,
    "int_parsing": _WHOLE,
    "int_from_float": _WHOLE,
    "finite_number": N_("the number must be finite"),
    "bool_type": _BOOLEAN,
    "bool_parsing": _BOOLEAN,
    "list_type": _LIST,
    "tuple_type": _LIST,
    "set_type": _LIST,
    "dict_type": _MAPPING,
    "model_type": _MAPPING,
    "model_attributes_type": _MAPPING,
    "dataclass_type": _MAPPING,
    "none_required": N_("no value may be given here"),
    # survey.inputs: what no field may hold.
    "string_control": N_("the text contains control characters"),
    "string_unreadable": N_("the text contains characters that cannot be read"),
    "int_out_of_range": N_("the whole number is too large"),
    "date_type": N_("a date (YYYY-MM-DD) is expected"),
    "date_parsing": N_("a date (YYYY-MM-DD) is expected"),
    "date_from_datetime_parsing": N_("a date (YYYY-MM-DD) is expected"),
    "datetime_type": N_("a date and time is expected"),
    "datetime_parsing": N_("a date and time is expected"),
}
_LIMITS: dict[str, tuple[str, str]] = {
    "greater_than": ("gt", N_("must be greater than %(limit)s")),
    "greater_than_equal": ("ge", N_("must be at least %(limit)s")),
    "less_than": ("lt", N_("must be less than %(limit)s")),
    "less_than_equal": ("le", N_("must be at most %(limit)s")),
    "multiple_of": ("multiple_of", N_("must be a multiple of %(limit)s")),
}


def _quoted(text: object) -> str:
    """``"'higher' or 'lower'"`` (pydantic's English list) as ``higher, lower``."""
    found = re.findall(r"'([^']*)'", str(text))
    return ", ".join(found) if found else str(text)


def _number(value: object) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def problem_message(error: Mapping[str, Any]) -> Message:
    """One pydantic error (an item of ``ValidationError.errors()``) as a message."""
    kind = str(error.get("type", ""))
    ctx: Mapping[str, Any] = error.get("ctx") or {}
    if kind in _PLAIN:
        return Message(_PLAIN[kind])
    if kind in _LIMITS:
        key, message = _LIMITS[kind]
        return Message(message, {"limit": _number(ctx.get(key, "?"))})
    if kind == "string_too_short":
        if ctx.get("min_length") == 1:
            return Message(N_("must not be empty"))
        return Message(N_("must have at least %(n)s characters"), {"n": ctx.get("min_length")})
    if kind == "string_too_long":
        return Message(N_("must have at most %(n)s characters"), {"n": ctx.get("max_length")})
    if kind == "string_pattern_mismatch":
        if ctx.get("pattern") == CODE_PATTERN:
            return Message(
                N_(
                    "a code is expected: up to 32 letters, digits, '.', '-' or '_', "
                    "starting with a letter or digit"
                )
            )
        return Message(N_("does not have the required form"))
    if kind == "too_short":
        return Message(N_("needs at least %(n)s entries"), {"n": ctx.get("min_length")})
    if kind == "too_long":
        return Message(N_("may have at most %(n)s entries"), {"n": ctx.get("max_length")})
    if kind in ("literal_error", "enum"):
        return Message(
            N_("must be one of: %(expected)s"), {"expected": _quoted(ctx.get("expected"))}
        )
    if kind == "union_tag_invalid":
        return Message(
            N_("the type %(tag)s is unknown; use one of: %(expected)s"),
            {"tag": ctx.get("tag"), "expected": _quoted(ctx.get("expected_tags"))},
        )
    if kind == "union_tag_not_found":
        return Message(
            N_("the field %(field)s is needed to tell the kind"),
            {"field": _quoted(ctx.get("discriminator"))},
        )
    if kind in ("value_error", "assertion_error") and ctx.get("error") is not None:
        # A validator of ours wrote the reason; it is translated when the catalog has it.
        return Message(
            N_("the value is not valid: %(reason)s"), {"reason": Message(str(ctx["error"]))}
        )
    return Message(N_("the value is not valid (%(type)s)"), {"type": kind or "?"})


def location(loc: Sequence[str | int]) -> str:
    """``("scores", 0, "score")`` as ``scores[0].score``."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else ("." if out else "") + str(part)
    return out or "-"


def first_problem(error: ValidationError) -> tuple[str, Message]:
    """Where the first problem is and what it is, for a form that shows one message."""
    first = error.errors()[0]
    return location(first["loc"]), problem_message(first)
