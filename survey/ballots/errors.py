"""Refusals of a ballot code or a ballot, each with its own message and API error code."""

from __future__ import annotations

from survey.errors import N_, Conflict, DomainError, Invalid, NotFound, Unavailable
from survey.surveys.submission import FieldError


# Distinct, clear refusals for a code: each has its own message and API error code.
class CodeMistyped(DomainError):
    message = N_("This ballot code is not complete or has a typing mistake. Please check it.")


class CodeUnknown(NotFound):
    message = N_("No ballot has this code. Please check the card.")


class CodeVoid(Conflict):
    message = N_("This ballot code has been cancelled. Please ask the staff for a new card.")


class CodeUsed(Conflict):
    message = N_("This ballot code has already been used. Each code casts one ballot.")


class BatchNotOpen(Conflict):
    message = N_("Voting for this ballot has not started yet.")


class BatchClosed(Conflict):
    message = N_("Voting for this ballot has closed.")


class BallotInvalid(Invalid):
    message = N_("Some rows of the ballot need your attention.")

    def __init__(self, errors: list[FieldError]) -> None:
        self.errors = errors
        super().__init__(None, field=errors[0].field if errors else None)


class UniformNeedsConfirmation(Invalid):
    message = N_("You gave every unit the same rating. Please confirm that this is intended.")


class UniformRefused(Invalid):
    message = N_(
        "A ballot that gives every unit the same rating is not valid here. Please rate each unit."
    )


class StorageNotScrubbed(Unavailable):
    message = N_(
        "The batch is closed and its ballots are shuffled under new ids, but their old row "
        "versions could not yet be removed from the database files (a transaction that began "
        "before the close may still be running). Close the batch again to retry."
    )
