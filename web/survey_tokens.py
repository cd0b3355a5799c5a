"""Signed values the survey form hands the browser: when the form was shown, and the device mark."""

from __future__ import annotations

import functools
import hashlib
import time

from itsdangerous import BadSignature, Signer

DEVICE_COOKIE_PREFIX = "pyd"
RECEIPT_COOKIE = "pyr"
# How long the thank-you page can show the receipt again (a reload, the back button).
RECEIPT_SECONDS = 600


# Kept: building a Signer for each of the three or four signatures of every submission
# cost the busiest request a few per cent of its CPU. Purposes are per survey, so few.
@functools.lru_cache(maxsize=256)
def _signer(secret: str, purpose: str) -> Signer:
    # The salt binds a signature to one purpose and one survey, so a mark minted for one
    # survey (or a start stamp for one slug) is no good for another.
    return Signer(secret, salt=f"pingyi.{purpose}", digest_method=hashlib.sha256)


def started_token(secret: str, slug: str, now: float | None = None) -> str:
    stamp = str(int(now if now is not None else time.time()))
    return _signer(secret, f"started:{slug}").sign(stamp).decode()


def seconds_since_start(
    secret: str, slug: str, token: str, now: float | None = None
) -> float | None:
    """Seconds since the form was shown, or None when the token is missing or forged."""
    try:
        stamp = _signer(secret, f"started:{slug}").unsign(token).decode()
    except BadSignature:
        return None
    if not stamp.isdigit():
        return None
    return (now if now is not None else time.time()) - int(stamp)


def device_cookie_name(survey_id: int) -> str:
    return f"{DEVICE_COOKIE_PREFIX}{survey_id}"


def device_mark(secret: str, survey_id: int, receipt: str) -> str:
    return _signer(secret, f"device:{survey_id}").sign(receipt).decode()


def device_receipt(secret: str, survey_id: int, mark: str | None) -> str | None:
    """The receipt this device got for the survey, if its mark is genuine."""
    if not mark:
        return None
    try:
        receipt = _signer(secret, f"device:{survey_id}").unsign(mark).decode()
    except BadSignature:
        return None
    return receipt or None


def receipt_cookie(secret: str, slug: str, receipt: str, now: float | None = None) -> str:
    """The receipt for the thank-you page, signed with the time: it travels in a cookie,
    never in the address, so no access log, proxy or browser history holds it."""
    stamp = str(int(now if now is not None else time.time()))
    return _signer(secret, f"receipt:{slug}").sign(f"{stamp}:{receipt}").decode()


def receipt_from_cookie(secret: str, slug: str, value: str | None, now: float | None = None) -> str:
    """The receipt a genuine, recent cookie carries, else ""."""
    if not value:
        return ""
    try:
        stamp, _, receipt = _signer(secret, f"receipt:{slug}").unsign(value).decode().partition(":")
    except BadSignature:
        return ""
    age = (now if now is not None else time.time()) - int(stamp) if stamp.isdigit() else None
    if age is None or not 0 <= age <= RECEIPT_SECONDS:
        return ""
    return receipt
