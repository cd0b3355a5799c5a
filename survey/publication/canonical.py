"""Canonical JSON: sorted keys, fixed float formatting, UTF-8, and its SHA-256 digest.

The same data gives the same bytes whatever database it was read from: floats are rounded
to ten decimals and written in Python's shortest round-trip form (``repr``), integral floats
keep their ``.0``, negative zero is zero, NaN and infinities are null. Dates and times are
ISO 8601 strings, decimals are floats.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

DECIMALS = 10


def canonical_float(value: float) -> str:
    """The one text of a float: rounded to ``DECIMALS`` decimals, shortest round trip."""
    if not math.isfinite(value):
        return "null"
    rounded = round(value, DECIMALS)
    if rounded == 0:
        rounded = 0.0
    return repr(rounded)


def _write(value: Any, out: list[str]) -> None:
    if value is None:
        out.append("null")
    elif isinstance(value, bool):
        out.append("true" if value else "false")
    elif isinstance(value, Enum):
        _write(value.value, out)
    elif isinstance(value, int):
        out.append(str(value))
    elif isinstance(value, float):
        out.append(canonical_float(value))
    elif isinstance(value, Decimal):
        out.append(canonical_float(float(value)))
    elif isinstance(value, str):
        out.append(json.dumps(value, ensure_ascii=False))
    elif isinstance(value, datetime | date):
        out.append(json.dumps(value.isoformat()))
    elif isinstance(value, Mapping):
        out.append("{")
        for i, key in enumerate(sorted(value, key=str)):
            if i:
                out.append(",")
            out.append(json.dumps(str(key), ensure_ascii=False))
            out.append(":")
            _write(value[key], out)
        out.append("}")
    elif isinstance(value, list | tuple):
        out.append("[")
        for i, item in enumerate(value):
            if i:
                out.append(",")
            _write(item, out)
        out.append("]")
    else:
        raise TypeError(f"no canonical JSON form for {type(value).__name__}")


def canonical_json(value: Any) -> str:
    """``value`` as canonical JSON text."""
    out: list[str] = []
    _write(value, out)
    return "".join(out)


def digest(text: str) -> str:
    """The SHA-256 digest of the text's UTF-8 bytes, in hex."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def parts_digests(value: Mapping[str, Any]) -> dict[str, str]:
    """The digest of each top-level part's canonical JSON."""
    return {key: digest(canonical_json(value[key])) for key in sorted(value)}
