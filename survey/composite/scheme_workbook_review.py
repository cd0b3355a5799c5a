"""Uploading a scheme workbook: check it, show what changes, then store it on confirmation.

Nothing is kept between the preview and the confirmation: the preview hands out the checked
scheme as signed JSON (HMAC with the app's secret), and the confirmation stores exactly that
scheme, checked again, as the next version, provided the current version is still the one
the preview compared with.
"""

from __future__ import annotations

import base64
import hmac
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from survey import organisation as org
from survey.accounts import Principal
from survey.composite import scheme_store
from survey.composite.schemas import SchemeSpec, SchemeVersionPublic
from survey.composite.scheme_diff import scheme_changes
from survey.composite.scheme_parse import spec_to_yaml
from survey.composite.scheme_workbook import (
    Translate,
    WorkbookProblem,
    read_workbook,
    to_workbook,
)
from survey.errors import N_, Conflict, Invalid, Message, NotFound
from survey.models import EvaluationStatus
from survey.security import keyed_hash

_PURPOSE = "scheme-workbook"


def download(
    session: Session, evaluation_id: int, category: str, translate: Translate
) -> tuple[bytes, int]:
    """The category's current scheme as a workbook, and its version."""
    row = scheme_store.get_scheme(session, evaluation_id, category)
    return to_workbook(scheme_store.spec_of(row), translate), row.version


@dataclass(frozen=True)
class Preview:
    """A checked workbook: the scheme, the version it follows and what changes."""

    spec: SchemeSpec
    base_version: int | None
    changes: list[Message]
    payload: str
    signature: str


def _current(session: Session, evaluation_id: int, category: str) -> tuple[SchemeSpec | None, int]:
    try:
        row = scheme_store.get_scheme(session, evaluation_id, category)
    except NotFound:
        return None, 0
    return scheme_store.spec_of(row), row.version


def preview(
    session: Session,
    evaluation_id: int,
    data: bytes,
    translations: Sequence[Translate],
    secret: str,
) -> Preview | list[WorkbookProblem]:
    """The workbook's scheme and its changes, or every problem by sheet, row and column."""
    org.get_evaluation(session, evaluation_id)
    reading = read_workbook(data, translations, session)
    if reading.spec is None:
        return reading.problems
    old, version = _current(session, evaluation_id, reading.spec.category)
    body = {
        "evaluation": evaluation_id,
        "base": version,
        "scheme": reading.spec.model_dump(mode="json", exclude_defaults=True),
    }
    payload = base64.urlsafe_b64encode(
        json.dumps(body, ensure_ascii=False, sort_keys=True).encode()
    ).decode()
    return Preview(
        spec=reading.spec,
        base_version=version or None,
        changes=scheme_changes(old, reading.spec),
        payload=payload,
        signature=keyed_hash(secret, _PURPOSE, payload),
    )


def _signed_body(evaluation_id: int, payload: str, signature: str, secret: str) -> dict[str, Any]:
    """The preview's content, if it carries the app's signature for this evaluation."""
    if not hmac.compare_digest(keyed_hash(secret, _PURPOSE, payload), signature):
        raise Invalid(N_("The preview cannot be confirmed: upload the workbook again."))
    body: dict[str, Any] = json.loads(base64.urlsafe_b64decode(payload.encode()))
    if body.get("evaluation") != evaluation_id:
        raise Invalid(N_("The preview cannot be confirmed: upload the workbook again."))
    return body


def reopen(
    session: Session, evaluation_id: int, payload: str, signature: str, secret: str
) -> Preview:
    """The preview again from its signed content, to confirm after a refusal such as no reason."""
    body = _signed_body(evaluation_id, payload, signature, secret)
    spec = SchemeSpec.model_validate(body["scheme"])
    old, version = _current(session, evaluation_id, spec.category)
    return Preview(
        spec=spec,
        base_version=version or None,
        changes=scheme_changes(old, spec),
        payload=payload,
        signature=signature,
    )


def confirm(
    session: Session,
    evaluation_id: int,
    payload: str,
    signature: str,
    secret: str,
    actor: Principal,
    *,
    note: str,
    ip: str = "",
) -> SchemeVersionPublic:
    """Store the previewed scheme as the next version of its category (audited)."""
    body = _signed_body(evaluation_id, payload, signature, secret)
    if not note.strip():
        raise Invalid(N_("Say why the scheme changes."), field="note")
    evaluation = org.get_evaluation(session, evaluation_id)
    if evaluation.status == EvaluationStatus.published:
        raise Conflict(N_("A published evaluation cannot be changed."))
    spec = SchemeSpec.model_validate(body["scheme"])
    _, version = _current(session, evaluation_id, spec.category)
    if version != body.get("base"):
        raise Conflict(
            N_(
                "The scheme was changed (now version %(version)s) after this preview; "
                "upload the workbook again to see the changes against it."
            ),
            version=version,
        )
    stored = scheme_store.import_text(
        session, evaluation_id, spec_to_yaml(spec), actor, note=note.strip(), ip=ip
    )
    return stored[0]
