"""Every message the code can show has a Simplified Chinese translation."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
METHODS = [
    ("survey/**.py", "python"),
    ("web/**.py", "python"),
    ("web/templates/**.html", "jinja2"),
]
KEYWORDS = {"_": None, "N_": None, "gettext": None}


def _source_messages() -> set[str]:
    found: set[str] = set()
    for directory in ("survey", "web"):
        for _, _, message, _, _ in extract_from_dir(
            ROOT / directory,
            method_map=[
                (m.split("/", 1)[1], kind) for m, kind in METHODS if m.startswith(directory)
            ],
            options_map={"**.html": {"extensions": "jinja2.ext.i18n"}},
            keywords=KEYWORDS,
        ):
            if isinstance(message, str) and message:
                found.add(message)
    return found


def test_every_message_has_a_chinese_translation() -> None:
    with (ROOT / "web/locales/zh_CN/LC_MESSAGES/messages.po").open("rb") as handle:
        catalog = read_po(handle, locale="zh_CN")
    translated = {m.id for m in catalog if m.id and m.string and not m.fuzzy}
    source = _source_messages()
    # The extraction itself must see templates, Python messages and labels.
    assert {"Sign in", "Please sign in.", "Published"} <= source
    missing = sorted(source - translated)
    assert missing == [], "untranslated (run pybabel extract/update, then translate): " + "; ".join(
        missing
    )


def test_placeholders_survive_translation() -> None:
    import re

    with (ROOT / "web/locales/zh_CN/LC_MESSAGES/messages.po").open("rb") as handle:
        catalog = read_po(handle, locale="zh_CN")
    for message in catalog:
        if message.id and message.string:
            assert set(re.findall(r"%\(\w+\)s", str(message.id))) == set(
                re.findall(r"%\(\w+\)s", str(message.string))
            ), message.id
