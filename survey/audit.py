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
        actor=actor,
        action=action,
        target_type=target_type,
        target_id=str(target_id),
        detail=detail,
        ip=ip,
    )
    session.add(entry)
    return entry
