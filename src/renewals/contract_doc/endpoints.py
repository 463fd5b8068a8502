"""Renewal contracts over the JSON API: their status from draft to signature (TECH-4)."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Request
from sqlalchemy import select

from renewals.contract_doc.models import ContractDocument
from renewals.contract_doc.schemas import ContractDetail, ContractRead
from renewals.errors import NotFound
from renewals.user import access
from renewals.web import api_common as api
from renewals.web.deps import ApiViewer, Db

router = APIRouter(tags=["contracts"])

SORTABLE = {
    "document_id": ContractDocument.document_id,
    "created_at": ContractDocument.created_at,
    "annual_value": ContractDocument.annual_value,
}
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
    status: ContractStatus | None = None,
    renewal_id: api.QueryText = None,
    account_id: api.QueryText = None,
    page: api.PageNo = 1,
    size: api.Size = None,
    sort: Literal["document_id", "created_at", "annual_value"] = "document_id",
    desc: api.Desc = True,
) -> dict[str, Any]:
    scope = api.scope(request, session, viewer)
    stmt = select(ContractDocument).where(access.visible(ContractDocument.account_id, scope))
    stmt = api.where_given(
        stmt,
        (ContractDocument.status, status),
        (ContractDocument.renewal_id, renewal_id),
        (ContractDocument.account_id, account_id),
    )
    result = api.listing(
        request,
        session,
        stmt,
        page=page,
        size=size,
        sort=sort,
        desc=desc,
        sortable=SORTABLE,
        tiebreak=(ContractDocument.document_id,),
    )
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
        raise NotFound(f"no contract document {document_id}")
    api.require_account(request, session, viewer, document.account_id)
    return document
