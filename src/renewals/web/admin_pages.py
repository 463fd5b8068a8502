"""Admin pages: the audit log (who did what, TECH-5, CONC-3) and the users.

Admins only, enforced here on the server (403 for everyone else), never just by
hiding the link in the navigation.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy import Select, func, select
from starlette.responses import Response

from renewals.audit.models import AuditEvent
from renewals.errors import Forbidden, RenewalsError
from renewals.kit import i18n
from renewals.kit.time import day_start, utc_now
from renewals.user import service as user_service
from renewals.user.domain import Role
from renewals.web import deps
from renewals.web.deps import Db, PageViewer, Viewer
from renewals.web.params import Day, PageNo, QueryText
from renewals.web.tables import all_rows, csv_response, page_of

router = APIRouter(include_in_schema=False)

AUDIT_SORTABLE = {
    "at": AuditEvent.at,
    "actor": AuditEvent.actor,
    "action": AuditEvent.action,
    "entity": AuditEvent.entity,
}
AUDIT_COLUMNS = ("at", "actor", "action", "entity", "entity_id", "detail")


def admin_viewer(viewer: PageViewer) -> Viewer:
    """The signed-in user, if they are an admin; 403 otherwise."""
    if viewer.user.role != Role.admin:
        raise Forbidden(i18n.Text("Only admins may see this page."))
    return viewer


AdminViewer = Annotated[Viewer, Depends(admin_viewer)]


def audit_query(
    *,
    action: str | None = None,
    actor: str | None = None,
    entity: str | None = None,
    since: date | None = None,
    until: date | None = None,
) -> Select[*tuple[Any, ...]]:
    """Audit events matching the filters, newest first (the date range includes both days)."""
    if since and until and since > until:
        raise RenewalsError(
            i18n.Text(
                "the date range is backwards: {since} is after {until}",
                since=str(since),
                until=str(until),
            ),
            422,
        )
    stmt = select(AuditEvent)
    if action:
        stmt = stmt.where(AuditEvent.action == action)
    if actor:
        stmt = stmt.where(
            func.lower(AuditEvent.actor).contains(actor.strip().lower(), autoescape=True)
        )
    if entity:
        stmt = stmt.where(AuditEvent.entity == entity)
    if since:
        stmt = stmt.where(AuditEvent.at >= day_start(since))
    if until:
        stmt = stmt.where(AuditEvent.at < day_start(until + timedelta(days=1)))
    return stmt.order_by(AuditEvent.at.desc(), AuditEvent.id.desc())


def _detail(event: AuditEvent) -> str:
    return json.dumps(event.detail or {}, ensure_ascii=False, sort_keys=True, default=str)


Text = QueryText


@router.get("/audit")
def audit_log(
    request: Request,
    session: Db,
    viewer: AdminViewer,
    action: Text = None,
    actor: Text = None,
    entity: Text = None,
    since: Day = None,
    until: Day = None,
    page: PageNo = 1,
    sort: Annotated[Literal["at", "actor", "action", "entity"] | None, Query()] = None,
    desc: bool = False,
    format: Annotated[Literal["html", "csv"], Query()] = "html",
) -> Response:
    """The audit log with filters, newest first; `?format=csv` exports every matching row."""
    stmt = audit_query(action=action, actor=actor, entity=entity, since=since, until=until)
    if format == "csv":
        if sort:
            column = AUDIT_SORTABLE[sort]
            stmt = stmt.order_by(None).order_by(
                column.desc() if desc else column.asc(), AuditEvent.id.desc()
            )
        # Read now: the request's session closes before a streamed body would be produced.
        rows = [
            (e.at.isoformat(), e.actor, e.action, e.entity, e.entity_id, _detail(e))
            for e in all_rows(session, stmt, scalars=True)
        ]
        return csv_response(f"audit-{utc_now():%Y%m%d-%H%M}.csv", AUDIT_COLUMNS, rows)
    policy = deps.web(request).policy
    result = page_of(
        session,
        stmt,
        page=page,
        size=policy.web.page_size,
        sort=sort,
        desc=desc,
        sortable=AUDIT_SORTABLE,
        tiebreak=(AuditEvent.id.desc(),),
        scalars=True,
    )
    return deps.render(
        request,
        "admin/audit.html",
        viewer,
        page=result,
        events=[(e, _detail(e)) for e in result.rows],
        actions=session.scalars(
            select(AuditEvent.action).distinct().order_by(AuditEvent.action)
        ).all(),
        entities=session.scalars(
            select(AuditEvent.entity).distinct().order_by(AuditEvent.entity)
        ).all(),
        filters={
            "action": action or "",
            "actor": actor or "",
            "entity": entity or "",
            "since": since.isoformat() if since else "",
            "until": until.isoformat() if until else "",
        },
    )


@router.get("/users")
def users(
    request: Request,
    session: Db,
    viewer: AdminViewer,
    format: Annotated[Literal["html", "csv"], Query()] = "html",
) -> Response:
    """Every user: role, manager, last sign-in, whether they are locked out or inactive."""
    now = utc_now()
    rows = user_service.list_users(session, now=now)
    if format == "csv":
        return csv_response(
            "users.csv",
            (
                "email",
                "name",
                "role",
                "manager_email",
                "active",
                "has_password",
                "last_login",
                "locked_until",
                "failed_logins",
                "sessions",
                "api_tokens",
            ),
            (
                (
                    r.email,
                    r.name,
                    r.role,
                    r.manager_email,
                    r.active,
                    r.has_password,
                    r.last_login.isoformat() if r.last_login else None,
                    r.locked_until.isoformat() if r.locked(now) and r.locked_until else None,
                    r.failed_logins,
                    r.sessions,
                    r.tokens,
                )
                for r in rows
            ),
        )
    return deps.render(request, "admin/users.html", viewer, rows=rows, now=now)
