"""QR codes for survey addresses and ballot cards, as PNG (print) or SVG (posters, cards)."""

from __future__ import annotations

from io import BytesIO

import qrcode
import qrcode.image.svg
from PIL import Image
from qrcode.constants import ERROR_CORRECT_M


def _code(
    url: str, *, box_size: int = 10, border: int = 4, mask_pattern: int | None = None
) -> qrcode.QRCode:
    # Medium error correction survives a poster's scuffs and a phone's glare, and keeps the
    # code small enough to scan from a step away. A fixed mask_pattern skips the standard's
    # penalty search over all eight masks, which is most of the time of a code; every decoder
    # reads every mask, so mass printing (ballot cards) fixes one.
    code = qrcode.QRCode(
        error_correction=ERROR_CORRECT_M,
        box_size=box_size,
        border=border,
        mask_pattern=mask_pattern,
    )
    code.add_data(url)
    code.make(fit=True)
    return code


def _png(code: qrcode.QRCode) -> bytes:
    buffer = BytesIO()
    code.make_image().save(buffer, format="PNG")
    return buffer.getvalue()


def _svg(code: qrcode.QRCode) -> bytes:
    buffer = BytesIO()
    code.make_image(image_factory=qrcode.image.svg.SvgPathImage).save(buffer)
    return buffer.getvalue()


def qr_png(url: str, *, box_size: int = 10) -> bytes:
    return _png(_code(url, box_size=box_size))


def qr_svg(url: str) -> bytes:
    return _svg(_code(url))


def qr_card_images(url: str, *, mask_pattern: int) -> tuple[bytes, bytes]:
    """One code with a fixed mask as SVG (a small quiet zone, for the card sheet) and PNG.

    A meeting needs thousands of cards; drawing module by module through the library's image
    factories costs more than encoding, so both images are written from the module matrix:
    the SVG as one path of horizontal runs, the PNG by scaling a one-bit image.
    """
    code = _code(url, border=0, mask_pattern=mask_pattern)
    modules: list[list[bool]] = code.get_matrix()
    return _matrix_svg(modules, border=2), _matrix_png(modules, scale=6, border=4)


def _matrix_svg(modules: list[list[bool]], *, border: int) -> bytes:
    size = len(modules) + 2 * border
    runs: list[str] = []
    for y, row in enumerate(modules):
        x = 0
        while x < len(row):
            if not row[x]:
                x += 1
                continue
            start = x
            while x < len(row) and row[x]:
                x += 1
            runs.append(f"M{start + border},{y + border}h{x - start}v1h-{x - start}z")
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" '
        f'width="{size * 4}" height="{size * 4}" shape-rendering="crispEdges">'
        f'<rect width="{size}" height="{size}" fill="#fff"/>'
        f'<path fill="#000" d="{"".join(runs)}"/></svg>'
    ).encode()


def _matrix_png(modules: list[list[bool]], *, scale: int, border: int) -> bytes:
    side = len(modules)
    image = Image.new("1", (side + 2 * border, side + 2 * border), 1)
    image.putdata([0 if dark else 1 for row in _framed(modules, border) for dark in row])
    image = image.resize((image.width * scale, image.height * scale), Image.Resampling.NEAREST)
    buffer = BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def _framed(modules: list[list[bool]], border: int) -> list[list[bool]]:
    blank = [False] * (len(modules) + 2 * border)
    middle = [[False] * border + row + [False] * border for row in modules]
    return [blank] * border + middle + [blank] * border
