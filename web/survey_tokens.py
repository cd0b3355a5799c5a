"""Signed values the survey form hands the browser: when the form was shown, and the device mark."""

from __future__ import annotations

import hmac
import time

from survey.security import keyed_hash

DEVICE_COOKIE_PREFIX = "pyd"


def started_token(secret: str, slug: str, now: float | None = None) -> str:
    stamp = str(int(now if now is not None else time.time()))
    return f"{stamp}.{keyed_hash(secret, 'started', f'{slug}:{stamp}')[:20]}"


def seconds_since_start(
    secret: str, slug: str, token: str, now: float | None = None
) -> float | None:
    """Seconds since the form was shown, or None when the token is missing or forged."""
    stamp, _, mac = token.partition(".")
    if not stamp.isdigit():
        return None
    expected = keyed_hash(secret, "started", f"{slug}:{stamp}")[:20]
    if not hmac.compare_digest(expected, mac):
        return None
    return (now if now is not None else time.time()) - int(stamp)


def device_cookie_name(survey_id: int) -> str:
    return f"{DEVICE_COOKIE_PREFIX}{survey_id}"


def device_mark(secret: str, survey_id: int, receipt: str) -> str:
    return f"{receipt}.{keyed_hash(secret, 'device', f'{survey_id}:{receipt}')[:20]}"


def device_receipt(secret: str, survey_id: int, mark: str | None) -> str | None:
    """The receipt this device got for the survey, if its mark is genuine."""
    if not mark:
        return None
    receipt, _, mac = mark.rpartition(".")
    expected = keyed_hash(secret, "device", f"{survey_id}:{receipt}")[:20]
    return receipt if receipt and hmac.compare_digest(expected, mac) else None
