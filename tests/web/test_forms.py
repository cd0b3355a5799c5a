"""The urlencoded form reader against the standard library's parser."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

from hypothesis import given
from hypothesis import strategies as st

from web.forms import parse_urlencoded


def _reference(body: bytes) -> list[tuple[str, str]]:
    return parse_qsl(
        body.decode("latin-1"), keep_blank_values=True, encoding="utf-8", errors="replace"
    )


@given(st.lists(st.tuples(st.text(), st.text()), max_size=12))
def test_encoded_forms_read_as_parse_qsl_reads_them(pairs: list[tuple[str, str]]) -> None:
    body = urlencode(pairs).encode()
    assert parse_urlencoded(body) == _reference(body) == pairs


@given(st.binary(max_size=80))
def test_any_bytes_read_as_parse_qsl_reads_them(body: bytes) -> None:
    # Raw bytes, broken escapes, bare names, empty fields and invalid UTF-8 alike.
    assert parse_urlencoded(body) == _reference(body)


def test_invalid_utf8_becomes_the_replacement_character() -> None:
    assert parse_urlencoded(b"c.D01=%E4%BD&x=%ZZ+1") == [("c.D01", "\ufffd"), ("x", "%ZZ 1")]
