"""Proposals over the JSON API: list, one with its value summary and options, create
(through renewals.proposal.service, which routes a discount for approval, CONC-3)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request

from renewals.proposal import service as proposal_service
from renewals.proposal.models import Proposal
from renewals.proposal.schemas import ProposalCreate, ProposalDetail, ProposalRead
from renewals.renewal import service as renewal_service
from renewals.web import api_common as api
from renewals.web.deps import ApiViewer, Db, web

router = APIRouter(tags=["proposals"])

by_list_params = api.list_params(("proposal_id", "as_of"), sort="proposal_id", desc=True)


@router.get(
    "/proposals",
    response_model=api.PageOut[ProposalRead],
    responses=api.errors(400),
    summary="Proposals on accounts in your scope",
)
def list_proposals(
    request: Request,
    session: Db,
    viewer: ApiViewer,
    params: Annotated[api.ListParams, Depends(by_list_params)],
    status: Literal["draft", "needs_approval", "ready", "superseded"] | None = None,
    renewal_id: api.QueryText = None,
    account_id: api.QueryText = None,
) -> dict[str, Any]:
    filters = api.RecordFilters(status, renewal_id, account_id)
    listing = proposal_service.listing(api.scope(request, session, viewer), filters)
    result = api.list_page(request, session, listing, params)
    return api.page_out(result, result.rows)


@router.get(
    "/proposals/{proposal_id}",
    response_model=ProposalDetail,
    responses=api.errors(403, 404),
    summary="One proposal with its value summary and priced options",
)
def get_proposal(
    request: Request, session: Db, viewer: ApiViewer, proposal_id: api.IntId
) -> Proposal:
    proposal = proposal_service.get(session, proposal_id)
    api.require_account(request, session, viewer, proposal.account_id)
    return proposal


@router.post(
    "/proposals",
    status_code=201,
    response_model=ProposalDetail,
    responses=api.errors(400, 403, 404, 409),
    summary="Create a proposal for a renewal (earlier open ones are superseded)",
)
def create_proposal(
    request: Request, session: Db, viewer: ApiViewer, body: ProposalCreate
) -> Proposal:
    renewal = renewal_service.get(session, body.renewal_id)
    api.require_account(request, session, viewer, renewal.account_id, edit=True)
    context = web(request)
    return proposal_service.create(
        session,
        renewal.renewal_id,
        option=body.option,
        by=viewer.user.email,
        as_of=api.day(body.as_of),
        policy=context.policy,
        templates_dir=context.settings.templates_dir,
        vendor_name=context.settings.vendor_name,
    )
