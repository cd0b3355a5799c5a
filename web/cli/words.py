"""The command's words: messages in the installation's language, even when settings fail."""

from __future__ import annotations

import os

from survey.config import SUPPORTED_LANGUAGES, get_settings
from web.i18n import gettext


def _(message: str, **params: object) -> str:
    return gettext(language(), message, **params)


def language() -> str:
    try:
        return get_settings().default_language
    except ValueError:  # settings that do not load: the language asked for, if we speak it
        wanted = os.environ.get("PINGYI_DEFAULT_LANGUAGE", "")
        return wanted if wanted in SUPPORTED_LANGUAGES else "zh-CN"
