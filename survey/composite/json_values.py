"""Plain JSON and plain Python numbers from the library's numpy results."""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Mapping
from typing import Any, TypeVar

import numpy as np

T = TypeVar("T", bound=Hashable)


def json_safe(value: Any) -> Any:
    """Plain JSON: a missing number is the string "NaN", which ``float()`` reads back.

    Explanations keep NaN where the library has it (a missing leaf under the renormalise
    rule, say), so that ``scoring.composite.recompute`` redoes them exactly.
    """
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "Infinity" if value > 0 else "-Infinity"
        return value
    if isinstance(value, Mapping):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    if isinstance(value, np.generic):
        return json_safe(value.item())
    return value


def finite_or_none(value: object) -> float | None:
    """A float, or None for NaN and infinities (which JSON and the pages cannot show)."""
    number = float(value)  # type: ignore[arg-type]
    return number if math.isfinite(number) else None


def int_or_none(value: object) -> int | None:
    """An int (a rank, a place), or None for a missing one."""
    number = finite_or_none(value)
    return None if number is None else int(number)


def dedupe(items: Iterable[T]) -> list[T]:
    """The items in their first order, each once."""
    return list(dict.fromkeys(items))
