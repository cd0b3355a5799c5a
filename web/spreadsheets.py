"""Exported tables as downloads: the reader of a file in a language, and the file response."""

from __future__ import annotations

from urllib.parse import quote

from fastapi.responses import Response

from survey.errors import Message
from survey.spreadsheet import Reader
from web.i18n import gettext, translate


def reader(language: str) -> Reader:
    """Headings, words and names in ``language``."""

    def words(message: str | Message) -> str:
        if isinstance(message, Message):
            return translate(language, message)
        return gettext(language, message)

    return Reader(language=language, words=words)


def content_disposition(filename: str) -> str:
    """An attachment header with an ASCII fallback and the real (Chinese) name per RFC 5987/6266;
    the fallback keeps only safe characters so that no quote or line break escapes it."""
    stem, dot, extension = filename.rpartition(".")
    ascii_stem = "".join(
        ch if ch.isascii() and (ch.isalnum() or ch in "-_") else "_" for ch in stem
    )
    fallback = f"{ascii_stem.strip('_') or 'export'}{dot}{extension}"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def download(content: bytes, filename: str, media_type: str) -> Response:
    return Response(
        content,
        media_type=media_type,
        headers={
            "Content-Disposition": content_disposition(filename),
            # Results are not for shared caches, and the browser should not sniff the type.
            "Cache-Control": "private, no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )
