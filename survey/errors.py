"""Domain exceptions. Each carries an untranslated message id; ``web`` translates and maps it.

Messages are marked with ``N_`` so that Babel extracts them without translating at raise time:
the language is the reader's, which only the web layer knows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


def N_(message: str) -> str:  # noqa: N802  (gettext convention)
    return message


@dataclass(frozen=True)
class Message:
    """A message id with its parameters, used as a parameter of another message.

    Part of a sentence (a pydantic problem inside "Line 3, points: ...") must be translated
    too; ``web.i18n.gettext`` translates a ``Message`` parameter before filling it in, and
    ``str()`` gives the untranslated (English) text for logs and the API's default.
    """

    id: str
    params: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        params = {k: _plain(v) for k, v in self.params.items()}
        return self.id % params if params else self.id


@dataclass(frozen=True)
class Named:
    """A name the office entered, in Chinese and optionally English, used as a parameter.

    The reader's language picks one when the message is translated; ``str()`` is English
    where there is an English name (the API's default) and the Chinese name otherwise.
    """

    name: str
    name_en: str = ""

    def in_language(self, language: str) -> str:
        return self.name_en if language == "en" and self.name_en else self.name

    def __str__(self) -> str:
        return self.name_en or self.name


# Joins a list of messages given as one parameter (tie-break keys, say).
LIST_SEPARATOR = N_("; ")


def is_message_list(value: object) -> bool:
    return (
        isinstance(value, list | tuple)
        and bool(value)
        and all(isinstance(v, Message) for v in value)
    )


def _plain(value: object) -> object:
    if isinstance(value, Named):
        return str(value)
    if isinstance(value, Message):
        return str(value)
    if is_message_list(value):
        assert isinstance(value, list | tuple)
        return LIST_SEPARATOR.join(str(v) for v in value)
    return value


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


class Unavailable(DomainError):
    """A passing failure on our side: nothing was done, and the same request may be sent again."""

    message = N_("The service is briefly unavailable. Please try again.")
