"""Signals over the JSON API: an account's risk signals with their evidence (SIG-0..9)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from renewals.signal import service as signal_service
from renewals.signal.schemas import SignalRead
from renewals.web import api_common as api
from renewals.web.deps import ApiViewer, Db, web
from renewals.web.tables import Page, page_of

router = APIRouter(tags=["signals"])


@router.get(
    "/accounts/{account_id}/signals",
    response_model=api.PageOut[SignalRead],
    responses=api.errors(403, 404),
    summary="The account's signals with evidence: those in force on as_of, or all",
)
def list_signals(
    request: Request,
    session: Db,
    viewer: ApiViewer,
    account_id: api.PathId,
    all: Annotated[
        bool,
        Query(
            description="every signal seen by as_of, newest first (the account page's list), "
            "not only those in force (SIG-0)"
        ),
    ] = False,
    as_of: api.AsOf = None,
    page: api.PageNo = 1,
    size: api.Size = None,
) -> dict[str, Any]:
    api.require_account(request, session, viewer, account_id)
    day = api.day(as_of)
    policy = web(request).policy
    found = signal_service.active_signals(session, policy, account_id, as_of=day)
    active = {s.signal_id for s in found}
    rows_per_page = api.page_size(request, size)
    if all:
        result = page_of(
            session,
            signal_service.account_signals(account_id, as_of=day),
            page=page,
            size=rows_per_page,
            scalars=True,
        )
    else:
        start = (page - 1) * rows_per_page
        result = Page(
            found[start : start + rows_per_page], len(found), page, rows_per_page, None, False
        )
    items = [
        {
            **{c: getattr(s, c) for c in SignalRead.model_fields if c != "active"},
            "active": s.signal_id in active,
        }
        for s in result.rows
    ]
    return api.page_out(result, items)
