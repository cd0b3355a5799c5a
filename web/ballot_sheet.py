"""The one-time printout of issued codes: an A4 card sheet, a CSV and the QR codes as PNGs.

The plaintext of a code exists only here, in what is handed to the office once. Each card's
QR code opens ``/b#CODE``: the code rides in the URL fragment, which browsers never send.

A meeting needs thousands of cards, and QR encoding is pure Python: choosing the data mask
by the standard's penalty rules takes two thirds of the time of a code. The cards use one
fixed mask instead (every decoder reads every mask; at 32 mm a version-4 code has 1 mm
modules, far above what phone cameras need), which brings 2,000 cards to a few seconds.
"""

from __future__ import annotations

import base64
import io
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from survey.ballots import codes
from survey.ballots.schemas import IssuedCode
from survey.spreadsheet import Column, Table, csv_text
from survey.surveys.qr import qr_card_images
from web.i18n import translations
from web.templating import templates

CARDS_PER_PAGE = 8
CARD_MASK = 2


@dataclass(frozen=True)
class IssuedFiles:
    csv: str
    sheet: str
    png: dict[int, bytes]  # serial -> QR image

    def bundle(self) -> bytes:
        """A ZIP with codes.csv, cards.html (print it) and qr/<serial>.png."""
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("codes.csv", self.csv)
            archive.writestr("cards.html", self.sheet)
            for serial, png in self.png.items():
                archive.writestr(f"qr/{serial:05d}.png", png)
        return buffer.getvalue()


def card_url(base_url: str, code: str) -> str:
    return f"{base_url}/b#{code}"


def _images(url: str) -> tuple[bytes, bytes]:
    """The card's QR code as SVG (for the sheet) and PNG (for other print work)."""
    return qr_card_images(url, mask_pattern=CARD_MASK)


def issued_files(
    title: str,
    base_url: str,
    issued: Sequence[IssuedCode],
    *,
    language: str = "zh-CN",
    on_card: Callable[[], None] | None = None,
) -> IssuedFiles:
    """The files of issued codes; ``on_card`` is called after each card's QR code is drawn
    (the slow part), for a progress bar."""
    images = []
    for item in issued:
        images.append(_images(card_url(base_url, item.code)))
        if on_card is not None:
            on_card()
    cards = [
        {
            "serial": item.serial,
            "code": codes.display(item.code),
            "qr": "data:image/svg+xml;base64," + base64.b64encode(svg).decode(),
        }
        for item, (svg, _) in zip(issued, images, strict=True)
    ]
    pages = [cards[i : i + CARDS_PER_PAGE] for i in range(0, len(cards), CARDS_PER_PAGE)]
    sheet = templates.env.get_template("office/code_sheet.html").render(
        title=title,
        pages=pages,
        entry_url=f"{base_url}/b",
        lang=language,
        _=translations(language).gettext,
    )
    table = Table(
        "codes",
        [Column("serial"), Column("code")],
        [[item.serial, codes.display(item.code)] for item in issued],
    )
    png = {item.serial: image for item, (_, image) in zip(issued, images, strict=True)}
    return IssuedFiles(csv=csv_text(table), sheet=sheet, png=png)
