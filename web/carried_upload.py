"""A checked upload carried inside the confirmation form, compressed and signed.

Between a preview and its confirmation the file travels with the form instead of staying on a
server, so that any instance may answer the confirmation, and the signature (keyed with the
installation secret) makes sure the confirmation stores exactly the file that was checked.
"""

from __future__ import annotations

import base64
import binascii
import gzip
import hmac
from dataclasses import dataclass

from survey.errors import N_, Invalid
from survey.security import keyed_hash

# Every request body is at most 1 MiB (web.headers.BodyLimit); the carried file must fit in
# the confirmation form with room for its other fields.
MAX_CARRIED_CHARS = 900_000
_PURPOSE = "carried-upload"


@dataclass(frozen=True)
class Carried:
    """The checked file and what it is for, as the confirmation form carries it."""

    kind: str
    evaluation_id: int
    period: str
    filename: str
    payload: str
    signature: str


class CarriedFileInvalid(Invalid):
    message = N_("The checked file did not come back intact. Check the file again.")


class FileTooLargeToCarry(Invalid):
    message = N_(
        "The file is too large to import in the browser. Split it into smaller files, or "
        "import it with the command line (pingyi import)."
    )


def _signature(
    secret: str, kind: str, evaluation_id: int, period: str, filename: str, payload: str
) -> str:
    return keyed_hash(secret, _PURPOSE, f"{kind}\n{evaluation_id}\n{period}\n{filename}\n{payload}")


def carry(
    secret: str, kind: str, evaluation_id: int, period: str, filename: str, data: bytes
) -> Carried:
    payload = base64.b64encode(gzip.compress(data, mtime=0)).decode("ascii")
    if len(payload) > MAX_CARRIED_CHARS:
        raise FileTooLargeToCarry()
    signature = _signature(secret, kind, evaluation_id, period, filename, payload)
    return Carried(kind, evaluation_id, period, filename, payload, signature)


def unpack(secret: str, carried: Carried) -> bytes:
    expected = _signature(
        secret,
        carried.kind,
        carried.evaluation_id,
        carried.period,
        carried.filename,
        carried.payload,
    )
    if not hmac.compare_digest(expected, carried.signature):
        raise CarriedFileInvalid()
    try:
        return gzip.decompress(base64.b64decode(carried.payload, validate=True))
    except (binascii.Error, OSError, EOFError):
        raise CarriedFileInvalid() from None
