"""Reason codes from ``scoring``'s composite library as messages to translate at the edge.

The computation keeps each reason as its code and parameters (in the results, the API and a
published snapshot); a page words it in the reader's language, naming indicators and blocks by
the names the scheme gives them rather than by their codes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from scoring import Reason
from survey.composite import terms
from survey.errors import N_, Message
from survey.satisfaction.schemas import ReasonPublic

NameOf = Callable[[str], str]

_COUNTED = N_("%(count)s unit(s) without points: %(why)s")
_COUNTED_AT = N_("%(indicator)s: %(count)s unit(s) without points: %(why)s")
_PER_UNIT: dict[str, str] = {
    "no_total": N_("%(unit)s has no total: %(node)s, %(why)s"),
    "not_ranked": N_("%(unit)s is not ranked: %(why)s"),
    "not_graded": N_("%(unit)s gets no grade: %(why)s"),
}
# Notes the composite service writes itself, beside the library's reasons.
SERVICE_NOTES: dict[str, str] = {
    "no_scheme": N_("No scheme for the categories %(categories)s."),
    "difficulty_clipped": N_(
        "%(unit)s: the difficulty %(difficulty)s of the excellence goal %(goal)s is held to "
        "the scheme's bounds %(low)s to %(high)s."
    ),
    "item_not_in_scheme": N_(
        "%(unit)s: the bonus or deduction entry %(entry)s has the item %(item)s, which the "
        "scheme does not list; it is left out."
    ),
    "note": N_("%(text)s"),
}


def reason_public(reason: Reason) -> ReasonPublic:
    """The reason as results, the API and snapshots keep it: code, parameters, English text."""
    params = dict(reason.params)
    return ReasonPublic(code=reason.code, params=params, text=english(reason.code, params))


def _node(path: object, name_of: NameOf) -> str:
    """A scheme path (``total/high_quality/revenue``) by the name of its last node."""
    return name_of(str(path).rsplit("/", 1)[-1]) if path else ""


def note_message(
    code: str, params: Mapping[str, str | int | float], name_of: NameOf = str
) -> Message:
    """A stored reason (code and parameters) as a message; ``name_of`` names scheme codes."""
    if code in SERVICE_NOTES:
        return Message(SERVICE_NOTES[code], dict(params))
    why = terms.reason(str(params.get("cause", code)))
    if code in _PER_UNIT:
        return Message(
            _PER_UNIT[code],
            {
                "unit": str(params.get("unit", "")),
                "node": _node(params.get("node"), name_of),
                "why": why,
            },
        )
    if "indicator" in params:
        return Message(
            _COUNTED_AT,
            {
                "indicator": _node(params["indicator"], name_of),
                "count": params.get("count", 1),
                "why": why,
            },
        )
    return Message(_COUNTED, {"count": params.get("count", 1), "why": why})


def english(code: str, params: Mapping[str, str | int | float]) -> str:
    """The untranslated text of a stored reason, for the API and logs."""
    return str(note_message(code, params))
