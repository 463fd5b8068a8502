"""Renewal contracts over the JSON API: their status from draft to signature (TECH-4)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request

from renewals.contract_doc import service as contract_service
from renewals.contract_doc.models import ContractDocument
from renewals.contract_doc.schemas import ContractDetail, ContractRead
from renewals.errors import NotFound
from renewals.kit.i18n import Text
from renewals.web import api_common as api
from renewals.web.deps import ApiViewer, Db

router = APIRouter(tags=["contracts"])

by_list_params = api.list_params(
    ("document_id", "created_at", "annual_value"), sort="document_id", desc=True
)
ContractStatus = Literal[
    "draft", "pending_approval", "approved", "sent", "signed", "declined", "expired"
]


@router.get(
    "/contracts",
    response_model=api.PageOut[ContractRead],
    responses=api.errors(400),
    summary="Renewal contracts on accounts in your scope, with their signature status",
)
def list_contracts(
    request: Request,
    session: Db,
    viewer: ApiViewer,
    params: Annotated[api.ListParams, Depends(by_list_params)],
    status: ContractStatus | None = None,
    renewal_id: api.QueryText = None,
    account_id: api.QueryText = None,
) -> dict[str, Any]:
    filters = api.RecordFilters(status, renewal_id, account_id)
    listing = contract_service.listing(api.scope(request, session, viewer), filters)
    result = api.list_page(request, session, listing, params)
    return api.page_out(result, result.rows)


@router.get(
    "/contracts/{document_id}",
    response_model=ContractDetail,
    responses=api.errors(403, 404),
    summary="One renewal contract: terms, approval routing and signature status",
)
def get_contract(
    request: Request, session: Db, viewer: ApiViewer, document_id: api.IntId
) -> ContractDocument:
    document = session.get(ContractDocument, document_id)
    if document is None:
        raise NotFound(Text("no contract document {id}", id=str(document_id)))
    api.require_account(request, session, viewer, document.account_id)
    return document
