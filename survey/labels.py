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
    # survey question kinds
    "rating": N_("Rating of each unit"),
    "single": N_("Single choice"),
    "multiple": N_("Multiple choice"),
    "text": N_("Short text"),
    "group": N_("Respondent group"),
    "cell": N_("Weighting cell"),
    # rating scales
    "satisfaction": N_("Satisfaction (4 levels)"),
    "five_point": N_("1 to 5"),
    "zero_ten": N_("0 to 10"),
    "nps": N_("Likelihood to recommend (0 to 10)"),
    "satisfaction3": N_("Satisfaction (3 levels)"),
    "grade4": N_("Excellent / good / fair / poor"),
    # ballot codes and paper entries
    "unused": N_("Unused"),
    "used": N_("Used"),
    "void": N_("Void"),
    "pending": N_("Waiting for the second entry"),
    "mismatch": N_("Entries differ"),
    "accepted": N_("Accepted"),
    "superseded": N_("Superseded"),
    "allow": N_("Allow"),
    "warn": N_("Ask to confirm"),
    "refuse": N_("Refuse"),
    # the office's decision on a flagged response
    "include": N_("Included"),
    "exclude": N_("Excluded"),
    "default": N_("Not decided"),
}


def label(code: str) -> str:
    """The message id for ``code``, or the code itself when it has none."""
    return LABELS.get(code, code)
