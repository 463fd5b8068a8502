"""Health over the JSON API: the latest reading and its history, with components, drivers
and the facts behind them (HEALTH-1..5). Readable by whoever may see the account."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from renewals.health import service as health_service
from renewals.health.models import HealthSnapshot
from renewals.health.schemas import HealthHistory, HealthRead
from renewals.web import api_common as api
from renewals.web.deps import ApiViewer, Db

router = APIRouter(tags=["health"])


def _read(snapshot: HealthSnapshot) -> dict[str, Any]:
    return {
        **{name: getattr(snapshot, name) for name in HealthRead.model_fields if name != "facts"},
        "facts": snapshot.features or {},
    }


@router.get(
    "/accounts/{account_id}/health",
    response_model=HealthRead,
    responses=api.errors(403, 404),
    summary="The account's latest health score (or on as_of) with its explanation",
)
def latest(
    request: Request, session: Db, viewer: ApiViewer, account_id: api.PathId, as_of: api.AsOf = None
) -> dict[str, Any]:
    api.require_account(request, session, viewer, account_id)
    return _read(health_service.latest_snapshot(session, account_id, as_of))


@router.get(
    "/accounts/{account_id}/health/history",
    response_model=HealthHistory,
    responses=api.errors(403, 404),
    summary="The account's health readings, newest first",
)
def history(
    request: Request,
    session: Db,
    viewer: ApiViewer,
    account_id: api.PathId,
    limit: Annotated[int, Query(ge=1, le=400, description="how many readings")] = 12,
) -> dict[str, Any]:
    api.require_account(request, session, viewer, account_id)
    rows = health_service.history(session, account_id, limit)
    return {"account_id": account_id, "items": [_read(s) for s in rows]}
