"""The audit log of office actions."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from survey.models import AuditLog


def record(
    session: Session,
    actor: str,
    action: str,
    *,
    target_type: str = "",
    target_id: object = "",
    ip: str = "",
    **detail: Any,
) -> AuditLog:
    """Add an audit entry to the caller's transaction, so it commits with the change it records."""
    entry = AuditLog(
        actor=_storable(actor),
        action=action,
        target_type=target_type,
        target_id=_storable(str(target_id)),
        detail=_storable(detail),
        ip=ip,
    )
    session.add(entry)
    return entry


def _storable(value: Any) -> Any:
    """``value`` with NUL characters shown as U+FFFD: the log records what someone typed (a
    failed sign-in's name), and PostgreSQL refuses NUL in text, which would lose the entry and
    the request with it."""
    if isinstance(value, str):
        return value.replace("\x00", "\ufffd")
    if isinstance(value, dict):
        return {_storable(k): _storable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_storable(v) for v in value]
    return value
