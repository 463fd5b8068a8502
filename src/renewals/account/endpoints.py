"""Accounts over the JSON API: a filtered, paginated list and one account (TECH-5).

Only accounts in the viewer's scope are listed (renewals.user.access); asking for
another one is a 403.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from sqlalchemy import func, select

from renewals.account.domain import Segment
from renewals.account.models import Account
from renewals.account.schemas import AccountDetail, AccountRead
from renewals.errors import RenewalsError
from renewals.health import service as health_service
from renewals.renewal import service as renewal_service
from renewals.renewal.models import Renewal
from renewals.user import access
from renewals.web import api_common as api
from renewals.web.deps import ApiViewer, Db, web

router = APIRouter(tags=["accounts"])

SORTABLE = {
    "name": Account.name,
    "account_id": Account.account_id,
    "owner_email": Account.owner_email,
    "customer_since": Account.customer_since,
    "industry": Account.industry,
}


@router.get(
    "/accounts",
    response_model=api.PageOut[AccountRead],
    responses=api.errors(400),
    summary="List the accounts you may see",
)
def list_accounts(
    request: Request,
    session: Db,
    viewer: ApiViewer,
    q: Annotated[
        str | None, Query(max_length=100, pattern=api.PRINTABLE, description="name contains")
    ] = None,
    owner: api.QueryText = None,
    segment: Annotated[
        Segment | None, Query(description="has an open renewal in this segment (SEG-1)")
    ] = None,
    strategic: bool | None = None,
    page: api.PageNo = 1,
    size: api.Size = None,
    sort: Literal["name", "account_id", "owner_email", "customer_since", "industry"] = "name",
    desc: api.Desc = False,
) -> dict[str, object]:
    scope = api.scope(request, session, viewer)
    stmt = select(Account).where(access.visible(Account.account_id, scope))
    if q:
        stmt = stmt.where(func.lower(Account.name).contains(q.lower(), autoescape=True))
    if owner:
        stmt = stmt.where(func.lower(Account.owner_email) == owner.strip().lower())
    if segment:
        stmt = stmt.where(
            Account.account_id.in_(
                select(Renewal.account_id).where(
                    Renewal.segment == segment.value, Renewal.outcome.is_(None)
                )
            )
        )
    if strategic is not None:
        stmt = stmt.where(Account.strategic.is_(strategic))
    result = api.listing(
        request,
        session,
        stmt,
        page=page,
        size=size,
        sort=sort,
        desc=desc,
        sortable=SORTABLE,
        tiebreak=(Account.account_id,),
    )
    return api.page_out(result, result.rows)


@router.get(
    "/accounts/{account_id}",
    response_model=AccountDetail,
    responses=api.errors(403, 404),
    summary="One account with its renewals and latest health",
)
def get_account(
    request: Request, session: Db, viewer: ApiViewer, account_id: api.PathId
) -> dict[str, object]:
    account = api.require_account(request, session, viewer, account_id)
    policy = web(request).policy.web
    try:
        health = health_service.latest_snapshot(session, account_id)
    except RenewalsError:
        health = None  # not scored yet: the account page says so
    return {
        **AccountRead.model_validate(account).model_dump(),
        "fiscal_year_start_month": account.fiscal_year_start_month,
        "renewals": renewal_service.for_account(session, account_id),
        "health": health,
        "can_edit": access.can_edit_account(session, viewer.user, account_id, policy),
    }
