"""Domain exceptions. Each carries an untranslated message id; ``web`` translates and maps it.

Messages are marked with ``N_`` so that Babel extracts them without translating at raise time:
the language is the reader's, which only the web layer knows.
"""

from __future__ import annotations

from typing import Any


def N_(message: str) -> str:  # noqa: N802  (gettext convention)
    return message


class DomainError(Exception):
    """Base class: ``message`` is a msgid, ``params`` fill its ``%(name)s`` placeholders."""

    message = N_("The request could not be completed.")

    def __init__(self, message: str | None = None, **params: Any) -> None:
        self.message = message or type(self).message
        self.params = params
        super().__init__(self.message % params if params else self.message)


class NotFound(DomainError):
    message = N_("Not found.")


class Invalid(DomainError):
    """Input that breaks a rule; ``field`` names where, when there is one place."""

    message = N_("The input is not valid.")

    def __init__(self, message: str | None = None, *, field: str | None = None, **params: Any):
        self.field = field
        super().__init__(message, **params)


class Conflict(DomainError):
    message = N_("This conflicts with existing data.")


class NotPermitted(DomainError):
    message = N_("You are not permitted to do this.")


class NotAuthenticated(DomainError):
    message = N_("Please sign in.")
