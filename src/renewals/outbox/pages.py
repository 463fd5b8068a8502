"""Outbox approval on the web (TIME-5): GET /outbox, POST /outbox/{id}/approve and
/outbox/{id}/decline. Who may approve is decided by renewals.outbox.service (the owner,
their managers, a director or above); a refusal is a 403 with the reason. With HTMX the
answer is the message's updated row; otherwise a 303 back to the Referer or /outbox.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from renewals.dashboard import service as dashboard
from renewals.dashboard.pages import is_htmx, redirect_back
from renewals.dashboard.tables import TableQuery
from renewals.errors import NotFound, RenewalsError
from renewals.kit.i18n import Text
from renewals.outbox import service
from renewals.outbox.domain import MessageStatus
from renewals.outbox.models import OutboxMessage
from renewals.user.access import Scope, scope_for
from renewals.web import deps
from renewals.web.deps import Db, PageViewer, Viewer
from renewals.web.params import FormText, IntId

router = APIRouter(include_in_schema=False)

STATUSES = tuple(s.value for s in MessageStatus)


@router.get("/outbox")
def outbox_page(
    request: Request,
    session: Db,
    viewer: PageViewer,
    status: str = MessageStatus.pending_approval.value,
    format: str | None = None,
) -> Response:
    context = deps.web(request)
    if status != "all" and status not in STATUSES:
        raise RenewalsError(
            Text(
                "status must be all or one of {choices}, got {value}",
                choices=", ".join(STATUSES),
                value=repr(status),
            )
        )
    scope = scope_for(session, viewer.user, context.policy.web)
    spec = dashboard.outbox_spec("outbox", scope, status=None if status == "all" else status)
    if format == "csv":
        return spec.export(session)
    query = TableQuery.read(request.query_params, "", size=context.policy.web.page_size)
    return deps.render(
        request,
        "outbox/list.html",
        viewer,
        page=spec.fetch(session, query),
        status=status,
        statuses=("all", *STATUSES),
        everything=scope.everything,
    )


def _message_row(session: Db, message_id: int) -> Any:
    stmt = dashboard.outbox_stmt(Scope(True, frozenset(), True), None).where(
        OutboxMessage.message_id == message_id
    )
    row = session.execute(stmt).first()
    if row is None:
        raise NotFound(Text("no outbox message {id}", id=str(message_id)))
    return row


def _answer(
    request: Request,
    session: Db,
    viewer: Viewer,
    message_id: IntId,
    action: Any,
) -> Response:
    # Access before state: the outbox service checks who may decide (TIME-5) before it
    # looks at the message's status, so a refused person never learns it (403, not 409).
    try:
        message = action()
    except RenewalsError as exc:
        if not is_htmx(request) or exc.status_code == 404:
            raise
        session.rollback()
        return deps.render(
            request,
            "outbox/row.html",
            viewer,
            status_code=exc.status_code,
            m=_message_row(session, message_id),
            error=exc.message,
        )
    if is_htmx(request):
        return deps.render(
            request, "outbox/row.html", viewer, m=_message_row(session, message_id), message=message
        )
    return redirect_back(request, "/outbox")


@router.post("/outbox/{message_id}/approve")
def approve(request: Request, session: Db, viewer: PageViewer, message_id: IntId) -> Response:
    def act() -> str:
        service.approve(session, [message_id], by=viewer.user.email)
        return Text("Approved: it leaves with the next send.")

    return _answer(request, session, viewer, message_id, act)


@router.post("/outbox/{message_id}/decline")
def decline(
    request: Request,
    session: Db,
    viewer: PageViewer,
    message_id: IntId,
    reason: FormText = "",
) -> Response:
    def act() -> str:
        if not reason.strip():
            raise RenewalsError(
                Text("say why you decline the message: the reason is required"), 422
            )
        service.decline(session, message_id, by=viewer.user.email, reason=reason.strip())
        return Text("Declined: it will not be sent.")

    return _answer(request, session, viewer, message_id, act)
