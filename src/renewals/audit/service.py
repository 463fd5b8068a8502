"""Write audit events (never update or delete them)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from renewals.audit.models import AuditEvent


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
