"""Concessions over the JSON API: list, one with its approval chain, request, approve,
decline; and the approvals inbox (concessions and outbox messages waiting for you).

Authority is enforced on the server by renewals.concession.service (CONC-3): asking to
approve beyond your role's limit is a 403 whatever the client shows.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy import select

from renewals.concession import service as concession_service
from renewals.concession.domain import Rationale
from renewals.concession.matrix import ApprovalMatrix
from renewals.concession.models import Concession
from renewals.concession.schemas import (
    Approvals,
    ConcessionApprove,
    ConcessionCreate,
    ConcessionDecline,
    ConcessionDetail,
    ConcessionRead,
)
from renewals.outbox import service as outbox_service
from renewals.outbox.models import OutboxMessage
from renewals.renewal import service as renewal_service
from renewals.web import api_common as api
from renewals.web.deps import ApiViewer, Db, Viewer, web

router = APIRouter(tags=["concessions"])

by_list_params = api.list_params(
    ("concession_id", "discount_pct", "requested_at"), sort="concession_id", desc=True
)
# How many waiting items the approvals inbox shows of each kind.
INBOX_LIMIT = 200


def _detail(
    request: Request, session: Any, viewer: Viewer, concession: Concession
) -> dict[str, Any]:
    matrix = ApprovalMatrix.of(web(request).policy.concessions)
    role = viewer.user.role
    return {
        **ConcessionRead.model_validate(concession).model_dump(),
        "chain": concession_service.steps(session, concession.concession_id),
        "can_approve": concession.status == concession_service.PENDING
        and matrix.covers(role, concession.discount_pct, concession.kinds, concession.sizes),
        "authority": matrix.authority(role),
    }


def _waits_for(concession: Concession, viewer: Viewer) -> bool:
    return (concession.next_approver_email or "").lower() == viewer.user.email.lower()


def _visible(request: Request, session: Any, viewer: Viewer, concession_id: int) -> Concession:
    """The concession, if the viewer may see its account or it waits for them."""
    concession = concession_service.get(session, concession_id)
    if not _waits_for(concession, viewer):
        api.require_account(request, session, viewer, concession.account_id)
    return concession


@router.get(
    "/concessions",
    response_model=api.PageOut[ConcessionRead],
    responses=api.errors(400),
    summary="Concessions on accounts in your scope, and those waiting for you",
)
def list_concessions(
    request: Request,
    session: Db,
    viewer: ApiViewer,
    params: Annotated[api.ListParams, Depends(by_list_params)],
    status: Literal["pending", "approved", "declined", "withdrawn"] | None = None,
    waiting_for_me: Annotated[bool, Query(description="only those routed to you")] = False,
    renewal_id: api.QueryText = None,
    account_id: api.QueryText = None,
) -> dict[str, Any]:
    filters = api.RecordFilters(status, renewal_id, account_id)
    scope = api.scope(request, session, viewer)
    listing = concession_service.listing(
        scope, viewer.user.email, filters, waiting_for_me=waiting_for_me
    )
    result = api.list_page(request, session, listing, params)
    return api.page_out(result, result.rows)


@router.get(
    "/concessions/{concession_id}",
    response_model=ConcessionDetail,
    responses=api.errors(403, 404),
    summary="One concession with its approval chain (CONC-3, CONC-6)",
)
def get_concession(
    request: Request, session: Db, viewer: ApiViewer, concession_id: api.IntId
) -> dict[str, Any]:
    return _detail(request, session, viewer, _visible(request, session, viewer, concession_id))


@router.post(
    "/concessions",
    status_code=201,
    response_model=ConcessionDetail,
    responses=api.errors(400, 403, 404),
    summary="Request a concession: approved at once within your authority, else routed",
)
def request_concession(
    request: Request, session: Db, viewer: ApiViewer, body: ConcessionCreate
) -> dict[str, Any]:
    renewal = renewal_service.get(session, body.renewal_id)
    api.require_account(request, session, viewer, renewal.account_id, edit=True)
    concession = concession_service.request(
        session,
        renewal.renewal_id,
        discount_pct=body.discount_pct,
        kinds=[k.value for k in body.kinds],
        requested_by=viewer.user.email,
        give_back=body.give_back.value if body.give_back else None,
        sunset_clause=body.sunset_clause or None,
        rationale=Rationale(
            business_rationale=body.business_rationale,
            expected_outcome=body.expected_outcome,
            alternatives_considered=body.alternatives_considered,
        ),
        policy=web(request).policy,
        as_of=body.as_of,
    )
    return _detail(request, session, viewer, concession)


@router.post(
    "/concessions/{concession_id}/approve",
    response_model=ConcessionDetail,
    responses=api.errors(400, 403, 404, 409),
    summary="Approve a pending concession (only within your authority, CONC-3)",
)
def approve(
    request: Request,
    session: Db,
    viewer: ApiViewer,
    concession_id: api.IntId,
    body: ConcessionApprove,
) -> dict[str, Any]:
    concession = concession_service.approve(  # access before state: in the service
        session, concession_id, by=viewer.user.email, note=body.note, policy=web(request).policy
    )
    return _detail(request, session, viewer, concession)


@router.post(
    "/concessions/{concession_id}/decline",
    response_model=ConcessionDetail,
    responses=api.errors(400, 403, 404, 409),
    summary="Decline a pending concession, saying why (CONC-6)",
)
def decline(
    request: Request,
    session: Db,
    viewer: ApiViewer,
    concession_id: api.IntId,
    body: ConcessionDecline,
) -> dict[str, Any]:
    concession = concession_service.decline(  # access before state: in the service
        session, concession_id, by=viewer.user.email, note=body.note, policy=web(request).policy
    )
    return _detail(request, session, viewer, concession)


@router.get(
    "/approvals",
    response_model=Approvals,
    responses=api.errors(),
    summary="What waits for you: concessions routed to you and messages you may approve",
)
def approvals(request: Request, session: Db, viewer: ApiViewer) -> dict[str, Any]:
    concessions = concession_service.waiting_for(session, viewer.user.email, limit=INBOX_LIMIT)
    # TIME-5: the owner, their managers, directors and above may approve a message.
    scope = api.scope(request, session, viewer)
    messages = session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.status == "pending_approval", outbox_service.in_scope(scope))
        .order_by(OutboxMessage.created_on, OutboxMessage.message_id)
        .limit(INBOX_LIMIT)
    ).all()
    return {"concessions": concessions, "messages": messages}
