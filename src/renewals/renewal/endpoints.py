"""Renewals over the JSON API: filters by segment, owner, stage, category and window, and
one renewal with its decisions and reasons (TECH-5, FUND-1, SEG-1..3, TIME-4)."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy import and_, literal, select

from renewals.account.domain import Segment
from renewals.account.models import Account
from renewals.errors import NotFound
from renewals.forecast import service as forecast_service
from renewals.forecast.domain import Category
from renewals.forecast.models import ForecastSnapshot
from renewals.health.domain import Category as HealthCategory
from renewals.renewal import page_service
from renewals.renewal import service as renewal_service
from renewals.renewal.domain import OpportunityType, Stage
from renewals.renewal.models import Renewal
from renewals.renewal.schemas import RenewalDetail, RenewalRead
from renewals.user import access
from renewals.web import api_common as api
from renewals.web.deps import ApiViewer, Db, web

router = APIRouter(tags=["renewals"])

by_list_params = api.list_params(
    (
        "renewal_date",
        "current_arr",
        "likelihood",
        "health_score",
        "stage",
        "segment",
        "account_id",
    ),
    sort="renewal_date",
)


def _row(renewal: Renewal, account_name: str, category: str | None) -> dict[str, Any]:
    return {
        **{
            name: getattr(renewal, name)
            for name in RenewalRead.model_fields
            if hasattr(renewal, name)
        },
        "account_name": account_name,
        "signals": list(renewal.signals or []),
        "forecast_category": category,
    }


@router.get(
    "/renewals",
    response_model=api.PageOut[RenewalRead],
    responses=api.errors(400),
    summary="List renewals in your scope, filtered and sorted",
)
def list_renewals(
    request: Request,
    session: Db,
    viewer: ApiViewer,
    params: Annotated[api.ListParams, Depends(by_list_params)],
    segment: Segment | None = None,
    owner: api.QueryText = None,
    stage: Stage | None = None,
    category: Annotated[
        Category | None, Query(description="forecast category in the latest forecast (TECH-5)")
    ] = None,
    health: Annotated[
        HealthCategory | None, Query(description="health category (HEALTH-3)")
    ] = None,
    opportunity_type: OpportunityType | None = None,
    window: Annotated[
        int | None,
        Query(ge=0, le=3660, description="renewing within this many days of as_of (overdue too)"),
    ] = None,
    open: Annotated[bool, Query(description="only renewals without an outcome")] = True,
    account_id: api.QueryText = None,
    as_of: api.AsOf = None,
) -> dict[str, Any]:
    day = api.day(as_of)
    scope = api.scope(request, session, viewer)
    try:
        forecast_day = forecast_service.snapshot_day(session, as_of=day)
    except NotFound:
        forecast_day = None
    on_day = ForecastSnapshot.as_of == forecast_day if forecast_day else literal(False)
    # The page's and the CSV export's conditions (renewal.page_service, issue 14): the same
    # scope (what the viewer may read, and renewals they own), owner in any letter case,
    # and a window that counts overdue renewals in.
    filters = page_service.RenewalFilters(
        segment=segment.value if segment else None,
        owner=owner,
        stage=stage.value if stage else page_service.ANY_STAGE,
        category=health.value if health else None,
        window=window,
        everyone=True,
        opportunity_type=opportunity_type.value if opportunity_type else None,
        account_id=account_id,
        undecided=open,
    )
    # The page's list query, with the renewal, its account's name and its forecast category.
    listing = page_service.renewal_listing(scope, filters, as_of=day)
    listing = listing.selecting(Renewal, Account.name, ForecastSnapshot.category)
    stmt = listing.stmt.outerjoin(
        ForecastSnapshot, and_(ForecastSnapshot.renewal_id == Renewal.renewal_id, on_day)
    )
    if category:
        stmt = stmt.where(ForecastSnapshot.category == category.value)
    result = api.list_page(request, session, replace(listing, stmt=stmt), params)
    return api.page_out(result, [_row(*row) for row in result.rows])


@router.get(
    "/renewals/{renewal_id}",
    response_model=RenewalDetail,
    responses=api.errors(403, 404),
    summary="One renewal with every decision, its reasons and rule IDs",
)
def get_renewal(
    request: Request, session: Db, viewer: ApiViewer, renewal_id: api.PathId, as_of: api.AsOf = None
) -> dict[str, Any]:
    renewal = renewal_service.get(session, renewal_id)
    policy = web(request).policy.web
    access.require_view(session, viewer.user, renewal.account_id, policy)
    account = session.get(Account, renewal.account_id)
    snapshot = session.scalars(
        select(ForecastSnapshot)
        .where(ForecastSnapshot.renewal_id == renewal_id, ForecastSnapshot.as_of <= api.day(as_of))
        .order_by(ForecastSnapshot.as_of.desc())
        .limit(1)
    ).first()
    return {
        **_row(renewal, account.name if account else "", snapshot.category if snapshot else None),
        "decisions": renewal.decisions or {},
        "stage_history": renewal_service.stage_history(session, renewal_id),
        "forecast": snapshot,
        "closed_on": renewal.closed_on,
        "can_edit": access.can_edit_account(session, viewer.user, renewal.account_id, policy),
    }
