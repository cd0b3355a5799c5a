"""Translations: Babel catalogs read from the shipped ``.po`` files, one per language.

The catalogs are compiled in memory at start-up, so no compiled ``.mo`` file is kept in the
repository or needs a build step.
"""

from __future__ import annotations

from functools import cache
from io import BytesIO
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations
from starlette.requests import HTTPConnection

from survey.config import SUPPORTED_LANGUAGES
from survey.errors import LIST_SEPARATOR, Message, Named, is_message_list

LOCALE_DIR = Path(__file__).parent / "locales"
LANGUAGE_COOKIE = "pingyi_lang"
# Language tag as the UI and the cookie say it -> Babel locale directory.
_CATALOG = {"zh-CN": "zh_CN", "en": "en"}
LANGUAGE_NAMES = {"zh-CN": "中文", "en": "English"}


@cache
def translations(language: str) -> NullTranslations:
    path = LOCALE_DIR / _CATALOG.get(language, "") / "LC_MESSAGES" / "messages.po"
    if not path.is_file():
        return NullTranslations()
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=_CATALOG[language])
    buffer = BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer)


def language_of(connection: HTTPConnection, default: str) -> str:
    """The cookie's language if it is one we speak, else the installation's default."""
    chosen = connection.cookies.get(LANGUAGE_COOKIE, "")
    return chosen if chosen in SUPPORTED_LANGUAGES else default


def gettext(language: str, message: str, **params: object) -> str:
    """``message`` in ``language``; a ``Message`` among the parameters is translated too."""
    text = translations(language).gettext(message)
    if not params:
        return text
    return text % {k: _filled(language, v) for k, v in params.items()}


def _filled(language: str, value: object) -> object:
    if isinstance(value, Named):
        return value.in_language(language)
    if isinstance(value, Message):
        return translate(language, value)
    if is_message_list(value):
        assert isinstance(value, list | tuple)
        separator = translations(language).gettext(LIST_SEPARATOR)
        return separator.join(translate(language, v) for v in value)
    return value


def translate(language: str, message: Message) -> str:
    return gettext(language, message.id, **message.params)
