"""Reason codes from ``scoring``'s satisfaction statistics as messages to translate at the edge."""

from __future__ import annotations

from scoring import Reason
from survey.errors import N_, Message
from survey.satisfaction.schemas import ReasonPublic

# One message id per code; the reason's parameters fill its placeholders. Codes of groups
# dropped and units not scored (zero_weight, below_min_n, no_weights, no_group) are shown by
# the results page itself, next to the numbers they explain.
_MESSAGES: dict[str, str] = {
    "no_valid_answers": N_("No valid answers."),
    "one_valid_answer": N_("Only one valid answer: the spread is undefined."),
    "effective_n_too_small": N_("The effective number of respondents is 1 or less."),
    "identical_answers": N_("Every answer is the same: no confidence interval."),
    "too_few_to_trim": N_("Too few answers to trim."),
    "no_cell_answered": N_("None of the %(cells)s cells has a valid answer."),
    "zero_weight": N_("The group's weight is 0."),
    "below_min_n": N_("Fewer valid answers than the minimum."),
    "no_usable_group": N_("No respondent group has a weight and enough answers."),
    "se_undefined": N_("A group used has fewer than 2 answers: no confidence interval."),
    "zero_spread": N_("No group used has any spread: no confidence interval."),
    "units_not_ranked": N_(
        "%(units)s units have no group with a weight and at least %(min_n)s answers and are "
        "not ranked."
    ),
    "raking_not_converged": N_(
        "The weighting did not converge in %(sweeps)s sweeps; the margins may not fit the "
        "respondents."
    ),
    "margin_label_without_target": N_("The margin %(margin)s has no population for %(labels)s."),
    "margin_category_empty": N_(
        "The margin %(margin)s has a population but no respondents in %(categories)s."
    ),
    "margin_totals_differ": N_("The margins do not add up to the same population (%(totals)s)."),
    "no_cell_covered": N_("No respondent has a cell that the margins cover."),
    "raking_impossible": N_("The margins do not fit these respondents."),
}
_UNKNOWN = N_("Not computed (%(code)s).")


def reason_message(reason: Reason) -> Message:
    """The reason as a message id with its parameters; ``str()`` of it is the English text."""
    message = _MESSAGES.get(reason.code)
    if message is None:
        return Message(_UNKNOWN, {"code": reason.code})
    return Message(message, dict(reason.params))


def reason_public(reason: Reason) -> ReasonPublic:
    """The reason for the API: its code and parameters, and the English text beside them."""
    return ReasonPublic(
        code=reason.code, params=dict(reason.params), text=str(reason_message(reason))
    )


def public_reason_message(reason: ReasonPublic) -> Message:
    """:func:`reason_message` of a reason read back from a results schema."""
    return reason_message(Reason(reason.code, **reason.params))
