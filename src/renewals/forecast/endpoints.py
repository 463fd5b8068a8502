"""The forecast over the JSON API (TECH-1, TECH-5, FUND-2).

/forecast groups the latest forecast by segment, owner, month, quarter or category; a
CSM or manager sees only their own (team's) renewals in it, directors and above the
whole book. /forecast/retention is book-wide (GRR/NRR of every contract), so it is for
those who may read every account.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request

from renewals.errors import Forbidden
from renewals.forecast import service as forecast_service
from renewals.forecast.schemas import ForecastRead, RetentionRead
from renewals.web import api_common as api
from renewals.web.deps import ApiViewer, Db, web

router = APIRouter(tags=["forecast"])


@router.get(
    "/forecast",
    response_model=ForecastRead,
    responses=api.errors(403, 404),
    summary="The renewal forecast by segment, owner, month, quarter or category",
)
def forecast(
    request: Request,
    session: Db,
    viewer: ApiViewer,
    by: Literal["segment", "owner", "month", "quarter", "category"] = "segment",
    days: Annotated[
        int | None, Query(ge=0, le=3660, description="only renewals due within this many days")
    ] = None,
    as_of: api.AsOf = None,
) -> dict[str, Any]:
    scope = api.scope(request, session, viewer)
    whole_book = scope.everything or scope.read_everything
    report = forecast_service.forecast(
        session,
        web(request).policy,
        as_of=api.day(as_of),
        by=by,
        days=days,
        scope=None if whole_book else scope,
    )
    return {
        **report.as_dict(),
        "scope": "book" if whole_book else "owners: " + ", ".join(sorted(scope.owners)),
    }


@router.get(
    "/forecast/retention",
    response_model=RetentionRead,
    responses=api.errors(403),
    summary="Retention trend and forecast: GRR, NRR, break-even (book-wide)",
)
def retention(
    request: Request,
    session: Db,
    viewer: ApiViewer,
    quarters: Annotated[int, Query(ge=1, le=40, description="complete quarters of history")] = 8,
    as_of: api.AsOf = None,
) -> dict[str, Any]:
    scope = api.scope(request, session, viewer)
    if not (scope.everything or scope.read_everything):
        raise Forbidden(
            "retention covers the whole book: it is for directors and above (TECH-5); "
            "use /api/v1/forecast for your own renewals"
        )
    report = forecast_service.retention(
        session, web(request).policy, as_of=api.day(as_of), quarters=quarters
    )
    return report.as_dict()
