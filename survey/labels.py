"""Message ids for the stored codes a user reads (statuses, kinds), for translation."""

from __future__ import annotations

from survey.errors import N_

LABELS: dict[str, str] = {
    # evaluation status
    "draft": N_("Draft"),
    "open": N_("Open"),
    "closed": N_("Closed"),
    "published": N_("Published"),
    # respondent group kind
    "public": N_("Public"),
    "delegate": N_("Delegate"),
    # period kind
    "month": N_("Month"),
    "quarter": N_("Quarter"),
    "half": N_("Half year"),
    "year": N_("Year"),
}


def label(code: str) -> str:
    """The message id for ``code``, or the code itself when it has none."""
    return LABELS.get(code, code)
