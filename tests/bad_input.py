"""The shared bad-input corpus: what a careless, confused or hostile client sends.

One list drives the tests of every door where input comes in: the citizen's survey form, the
delegate's ballot, the office sign-in, response imports (office upload and CLI) and the JSON
API (``tests/web/test_bad_input_*.py``). Each item is a value that a test puts into a field;
what must happen depends on the field:

- in a free-text field (a comment, a respondent number, a name), text a person may
  legitimately write (``text_ok``: emoji, mixed scripts, SQL or script look-alikes, spreadsheet
  formulas, numbers) is stored exactly as sent and shown escaped; everything else (unreadable
  bytes, NUL and control characters, oversize text) is refused with a 4xx in the reader's
  language, storing nothing;
- in a rating, a level code or a count, every item is refused: none is an answer on a scale;
- where JSON takes a number, ``json_number`` items go unquoted (``NaN``, ``1e999``, a 30-digit
  integer), so that the parser's own number handling is exercised.

Request-level faults (duplicate fields, wrong content types, oversize bodies) are listed in
``REQUEST_FAULTS``; each test file sends them in the shape its door takes.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from enum import StrEnum


class Kind(StrEnum):
    oversize = "oversize"
    invalid_utf8 = "invalid UTF-8"
    control = "NUL and control characters"
    emoji = "emoji and mixed scripts"
    injection = "SQL and script payloads"
    formula = "spreadsheet formulas"
    rating = "out-of-range and non-numeric ratings"
    huge = "huge integers"
    not_finite = "NaN and Infinity"


@dataclass(frozen=True)
class BadInput:
    name: str
    kind: Kind
    # str, or bytes where the item is not valid UTF-8 (sent as they are).
    value: str | bytes
    # Legitimate free text: stored exactly and shown escaped where a field takes text.
    text_ok: bool = False
    # Sent unquoted where a JSON number is expected.
    json_number: bool = False

    @property
    def text(self) -> str:
        """The item as a str (invalid bytes decoded as a tolerant server would)."""
        if isinstance(self.value, bytes):
            return self.value.decode("utf-8", "replace")
        return self.value

    def raw(self) -> bytes:
        """The bytes on the wire; lone surrogates are encoded as they would be by a bad client."""
        if isinstance(self.value, bytes):
            return self.value
        return self.value.encode("utf-8", "surrogatepass")

    def json_value(self, *, number: bool) -> bytes:
        """The item as a JSON value: where a ``number`` is expected unquoted if it is one,
        else a string; bytes that are not UTF-8 go into the string as they are (so the body
        is not UTF-8 either)."""
        if isinstance(self.value, bytes):
            return b'"' + self.value + b'"'
        if number and self.json_number:
            return self.value.encode()
        return json.dumps(self.value, ensure_ascii=True).encode()

    def in_json(self, template: str, *, number: bool = False) -> bytes:
        """``template`` (JSON text) with the item's value where it says ``@ITEM@``."""
        return template.encode().replace(b"@ITEM@", self.json_value(number=number))


def _item(name: str, kind: Kind, value: str | bytes, **flags: bool) -> BadInput:
    return BadInput(name, kind, value, **flags)


CORPUS: list[BadInput] = [
    # Longer than any field takes (comments 500, names 100, respondent numbers 64).
    _item("oversize_text", Kind.oversize, "评" * 5_000),
    _item("invalid_utf8", Kind.invalid_utf8, b"\xff\xfe\x80"),
    _item("overlong_utf8", Kind.invalid_utf8, b"ab\xc0\xafcd"),
    _item("truncated_utf8", Kind.invalid_utf8, "满意".encode()[:-1]),
    # A UTF-16 half: JSON can escape it (\ud800), UTF-8 cannot carry it.
    _item("lone_surrogate", Kind.invalid_utf8, "半\ud800"),
    _item("nul_inside", Kind.control, "kao\x00he"),
    _item("nul_only", Kind.control, "\x00"),
    _item("bell", Kind.control, "响铃\x07"),
    _item("terminal_escape", Kind.control, "\x1b[2J清屏"),
    _item("delete_char", Kind.control, "a\x7fb"),
    _item("c1_controls", Kind.control, "x\x85\x9by"),
    _item("emoji", Kind.emoji, "服务很好👍🏽", text_ok=True),
    _item("emoji_family", Kind.emoji, "👨\u200d👩\u200d👧 一家都满意", text_ok=True),
    _item("mixed_scripts", Kind.emoji, "Ελληνικά русский 中文 العربية ✓", text_ok=True),
    _item("astral_cjk", Kind.emoji, "𠮷野家𪚥", text_ok=True),
    _item("sql_quote", Kind.injection, "'; DROP TABLE response; --", text_ok=True),
    _item(
        "sql_union", Kind.injection, "1' UNION SELECT password_hash FROM app_user --", text_ok=True
    ),
    _item("script_tag", Kind.injection, "<script>alert(1)</script>", text_ok=True),
    _item("attribute_break", Kind.injection, '"><img src=x onerror=alert(1)>', text_ok=True),
    _item("template_syntax", Kind.injection, "{{ 7*7 }}{% if 1 %}${7*7}", text_ok=True),
    _item("formula_equals", Kind.formula, '=HYPERLINK("http://x.example","点")', text_ok=True),
    _item("formula_plus", Kind.formula, "+1+cmd|' /C calc'!A0", text_ok=True),
    _item("formula_minus", Kind.formula, "-2+3", text_ok=True),
    _item("formula_at", Kind.formula, "@SUM(A1:A9)", text_ok=True),
    _item("rating_six", Kind.rating, "6", text_ok=True, json_number=True),
    _item("rating_99", Kind.rating, "99", text_ok=True, json_number=True),
    _item("rating_negative", Kind.rating, "-5", text_ok=True, json_number=True),
    _item("rating_1e308", Kind.rating, "1e308", text_ok=True, json_number=True),
    _item("rating_words", Kind.rating, "非常满意吧", text_ok=True),
    _item("rating_latin", Kind.rating, "abc", text_ok=True),
    _item("huge_integer", Kind.huge, "9" * 30, text_ok=True, json_number=True),
    _item("beyond_exact_json", Kind.huge, str(2**53), text_ok=True, json_number=True),
    _item("beyond_int64", Kind.huge, str(2**63), text_ok=True, json_number=True),
    _item("negative_beyond_int64", Kind.huge, str(-(2**63) - 1), text_ok=True, json_number=True),
    _item("nan", Kind.not_finite, "NaN", text_ok=True, json_number=True),
    _item("infinity", Kind.not_finite, "Infinity", text_ok=True, json_number=True),
    _item("minus_infinity", Kind.not_finite, "-Infinity", text_ok=True, json_number=True),
    _item("overflowing_float", Kind.not_finite, "1e999", text_ok=True, json_number=True),
]


class Fault(StrEnum):
    duplicate_fields = "duplicate fields"
    wrong_content_type = "wrong content type"
    oversize_body = "oversize body"


REQUEST_FAULTS = list(Fault)
# Over the 1 MB every request body may have.
OVERSIZE_BODY = 1_200_000


def ids(items: list[BadInput]) -> list[str]:
    return [item.name for item in items]


def fits(item: BadInput, limit: int) -> bool:
    """Legitimate text that fits a field of ``limit`` characters, as it would be stored
    (surrounding blanks stripped)."""
    return item.text_ok and len(item.text.strip()) <= limit


# Any CJK ideograph: the message a reader sees is in Chinese, the default language.
_CHINESE = re.compile(r"[\u4e00-\u9fff]")


def in_chinese(message: str) -> bool:
    return bool(_CHINESE.search(message))


def assert_kinds_covered() -> None:
    """Every kind the issue names has an item (a guard against the corpus shrinking)."""
    assert {item.kind for item in CORPUS} == set(Kind)


def form_body(fields: list[tuple[str, str | bytes]]) -> bytes:
    """An urlencoded body with every field as given, repeated names and raw bytes included."""
    from urllib.parse import quote_from_bytes

    def raw(value: str | bytes) -> bytes:
        return value if isinstance(value, bytes) else value.encode("utf-8", "surrogatepass")

    return "&".join(
        f"{quote_from_bytes(raw(name))}={quote_from_bytes(raw(value))}" for name, value in fields
    ).encode()


FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def row_counts(session: object) -> dict[str, int]:
    """Rows in every table: what 'nothing stored' is checked against."""
    from sqlalchemy import func, select
    from sqlmodel import Session, SQLModel

    assert isinstance(session, Session)
    session.expire_all()
    session.rollback()
    return {
        table.name: int(session.execute(select(func.count()).select_from(table)).scalar_one())
        for table in SQLModel.metadata.sorted_tables
    }
