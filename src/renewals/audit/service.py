"""Write audit events (never update or delete them)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from renewals.audit.models import AuditEvent
from renewals.db import insert_rows
from renewals.kit.time import utc_now


def record(
    session: Session,
    *,
    actor: str,
    action: str,
    entity: str,
    entity_id: str | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append an audit event to the current transaction."""
    event = AuditEvent(
        actor=actor, action=action, entity=entity, entity_id=entity_id, detail=detail or {}
    )
    session.add(event)
    return event


def event_row(
    *,
    actor: str,
    action: str,
    entity: str,
    entity_id: str | None = None,
    detail: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """One audit event as a row for `record_many` (the daily run's bulk writes)."""
    return {
        "at": utc_now(),
        "actor": actor,
        "action": action,
        "entity": entity,
        "entity_id": entity_id,
        "detail": detail or {},
    }


def record_many(session: Session, rows: list[dict[str, Any]]) -> int:
    """Append many audit events (rows from `event_row`) with one multi-row INSERT, in order."""
    if rows:
        insert_rows(session, AuditEvent, rows)
    return len(rows)
