"""QR codes for survey addresses, as PNG (for print shops and messages) or SVG (for posters)."""

from __future__ import annotations

from io import BytesIO

import qrcode
import qrcode.image.svg
from qrcode.constants import ERROR_CORRECT_M


def _code(url: str) -> qrcode.QRCode:
    # Medium error correction survives a poster's scuffs and a phone's glare, and keeps the
    # code small enough to scan from a step away.
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, box_size=10, border=4)
    code.add_data(url)
    code.make(fit=True)
    return code


def qr_png(url: str, *, box_size: int = 10) -> bytes:
    code = _code(url)
    code.box_size = box_size
    buffer = BytesIO()
    code.make_image().save(buffer, format="PNG")
    return buffer.getvalue()


def qr_svg(url: str) -> bytes:
    image = _code(url).make_image(image_factory=qrcode.image.svg.SvgPathImage)
    buffer = BytesIO()
    image.save(buffer)
    return buffer.getvalue()
