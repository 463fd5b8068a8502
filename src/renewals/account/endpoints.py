"""Accounts over the JSON API: a filtered, paginated list and one account (TECH-5).

Only accounts in the viewer's scope are listed (renewals.user.access); asking for
another one is a 403.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from renewals.account import page_service
from renewals.account.domain import Segment
from renewals.account.models import Account
from renewals.account.schemas import AccountDetail, AccountRead
from renewals.errors import RenewalsError
from renewals.health import service as health_service
from renewals.renewal import service as renewal_service
from renewals.user import access
from renewals.web import api_common as api
from renewals.web.deps import ApiViewer, Db, web

router = APIRouter(tags=["accounts"])

by_list_params = api.list_params(
    ("name", "account_id", "owner_email", "customer_since", "industry"), sort="name"
)


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
    params: Annotated[api.ListParams, Depends(by_list_params)],
    q: Annotated[
        str | None,
        Query(max_length=100, pattern=api.PRINTABLE, description="part of the name or the id"),
    ] = None,
    owner: Annotated[
        str | None,
        Query(
            max_length=api.LIMITS["query"],
            pattern=api.PRINTABLE,
            description="the account's owner or its next renewal's owner, any letter case",
        ),
    ] = None,
    segment: Annotated[
        Segment | None,
        Query(description="the segment of its next open renewal, else of its health (SEG-1)"),
    ] = None,
    strategic: bool | None = None,
    as_of: api.AsOf = None,
) -> dict[str, object]:
    # The list page's and the CSV export's query (account.page_service, issue 14), with
    # every account the viewer may read (TECH-5), as ORM objects.
    filters = page_service.AccountFilters(
        q=q,
        owner=owner,
        segment=segment.value if segment else None,
        strategic=strategic,
        everyone=True,
    )
    scope = api.scope(request, session, viewer)
    listing = page_service.account_listing(session, scope, filters, as_of=api.day(as_of))
    result = api.list_page(request, session, listing.selecting(Account), params)
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
