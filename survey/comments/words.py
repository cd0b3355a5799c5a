"""The words for rectification statuses and the list's own status codes, as message ids."""

from __future__ import annotations

from survey.errors import N_

UNROUTED = "unrouted"  # a general comment the office has not routed to a unit yet
OVERDUE = "overdue"  # a filter, not a status: open past its deadline

STATUS_WORDS: dict[str, str] = {
    UNROUTED: N_("Not routed"),
    "received": N_("Received by the unit"),
    "in_progress": N_("In progress"),
    "rectified": N_("Rectified"),
    "verified": N_("Verified by callback"),
    "appealed": N_("Appealed"),
    "upheld": N_("Appeal upheld"),
    "dismissed": N_("Appeal dismissed"),
}

FILTER_WORDS: dict[str, str] = {**STATUS_WORDS, OVERDUE: N_("Overdue")}


def status_words(code: str) -> str:
    return STATUS_WORDS.get(code, code)
