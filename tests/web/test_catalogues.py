"""The shipped catalogues compile as ``pybabel compile`` compiles them, without errors."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LOCALES = Path(__file__).resolve().parents[2] / "web" / "locales"


@pytest.mark.parametrize("locale", ["en", "zh_CN"])
def test_catalogue_compiles_without_errors(locale: str) -> None:
    with (LOCALES / locale / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle, locale=locale)
    # The checks pybabel compile runs: placeholders of a python-format entry must agree.
    problems = [
        (message.id, [str(e) for e in errors]) for message, errors in catalog.check() if errors
    ]
    assert problems == []
    buffer = BytesIO()
    write_mo(buffer, catalog)
    assert buffer.getvalue()
