"""Reasons as data: why a number is missing, clipped or flagged, as a code with parameters.

Scoring never writes a sentence for a reader. A result carries :class:`Reason` values (and
per-unit arrays of reason codes); the layer that knows the reader's language turns each code
into words through its translation catalogue. ``str()`` gives a plain code-and-parameters form
for logs and for the :class:`~scoring.ScoringWarning` that functions still raise unless
called with ``warn=False``.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator, Mapping
from types import MappingProxyType
from typing import TypeAlias

from scoring._common import ScoringWarning

ReasonParam: TypeAlias = str | int | float


class Reason:
    """A reason code with its parameters, e.g. ``Reason("value_missing", indicator="revenue",
    count=1)``. Immutable, hashable and comparable by value."""

    __slots__ = ("_params", "code")

    code: str
    _params: Mapping[str, ReasonParam]

    def __init__(self, code: str, /, **params: ReasonParam) -> None:
        if not code or not code.replace("_", "").isalnum() or not code.islower():
            raise ValueError(f"reason code must be lower_snake_case, got {code!r}")
        object.__setattr__(self, "code", code)
        object.__setattr__(self, "_params", MappingProxyType(dict(sorted(params.items()))))

    @property
    def params(self) -> Mapping[str, ReasonParam]:
        return self._params

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("Reason is immutable")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Reason):
            return NotImplemented
        return self.code == other.code and dict(self._params) == dict(other._params)

    def __hash__(self) -> int:
        return hash((self.code, tuple(self._params.items())))

    def __repr__(self) -> str:
        args = "".join(f", {k}={v!r}" for k, v in self._params.items())
        return f"Reason({self.code!r}{args})"

    def __str__(self) -> str:
        if not self._params:
            return self.code
        return f"{self.code} (" + ", ".join(f"{k}={v}" for k, v in self._params.items()) + ")"

    def __iter__(self) -> Iterator[tuple[str, ReasonParam]]:
        return iter(self._params.items())


def emit(reasons: tuple[Reason, ...] | list[Reason], *, warn: bool, stacklevel: int = 3) -> None:
    """Raise one :class:`~scoring.ScoringWarning` per reason when the caller wants warnings.

    Services call scoring with ``warn=False`` and read the reasons from the result, since
    ``warnings.catch_warnings`` is process-global and not thread-safe under a thread pool.
    """
    if not warn:
        return
    for reason in reasons:
        warnings.warn(str(reason), ScoringWarning, stacklevel=stacklevel)
