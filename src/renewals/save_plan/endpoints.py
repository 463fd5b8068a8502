"""The save desk over the JSON API: triaged renewals in scope, and per renewal its triage
(SAVE-2..7) and its save plan (SAVE-8..11)."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Request
from sqlalchemy import select

from renewals.renewal import service as renewal_service
from renewals.save_plan import plan_service
from renewals.save_plan import service as save_service
from renewals.save_plan.models import SaveTriage
from renewals.save_plan.schemas import PlanRead, TriageRead
from renewals.user import access
from renewals.web import api_common as api
from renewals.web.deps import ApiViewer, Db

router = APIRouter(tags=["saves"])

SORTABLE = {
    "renewal_id": SaveTriage.renewal_id,
    "expected_value_hours": SaveTriage.expected_value_hours,
    "success_rate": SaveTriage.success_rate,
    "updated_on": SaveTriage.updated_on,
}


@router.get(
    "/saves",
    response_model=api.PageOut[TriageRead],
    responses=api.errors(400),
    summary="Triaged at-risk renewals in your scope (SAVE-2..7)",
)
def list_saves(
    request: Request,
    session: Db,
    viewer: ApiViewer,
    status: Literal["open", "saved", "lost", "resolved"] | None = "open",
    effort: Literal["full", "standard", "light", "none"] | None = None,
    probability_band: Literal["high", "medium", "low"] | None = None,
    page: api.PageNo = 1,
    size: api.Size = None,
    sort: Literal["renewal_id", "expected_value_hours", "success_rate", "updated_on"] = (
        "expected_value_hours"
    ),
    desc: api.Desc = True,
) -> dict[str, Any]:
    scope = api.scope(request, session, viewer)
    stmt = select(SaveTriage).where(access.visible(SaveTriage.account_id, scope))
    stmt = api.where_given(
        stmt,
        (SaveTriage.status, status),
        (SaveTriage.effort, effort),
        (SaveTriage.probability_band, probability_band),
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
        tiebreak=(SaveTriage.renewal_id,),
    )
    return api.page_out(result, result.rows)


@router.get(
    "/renewals/{renewal_id}/triage",
    response_model=TriageRead,
    responses=api.errors(403, 404),
    summary="The renewal's save triage with the reasons for each field",
)
def get_triage(
    request: Request, session: Db, viewer: ApiViewer, renewal_id: api.PathId
) -> SaveTriage:
    renewal = renewal_service.get(session, renewal_id)
    api.require_account(request, session, viewer, renewal.account_id)
    return save_service.get(session, renewal_id)


@router.get(
    "/renewals/{renewal_id}/plan",
    response_model=PlanRead,
    responses=api.errors(403, 404),
    summary="The renewal's save plan: problems by priority, tactics, fast fixes",
)
def get_plan(
    request: Request, session: Db, viewer: ApiViewer, renewal_id: api.PathId
) -> dict[str, Any]:
    renewal = renewal_service.get(session, renewal_id)
    api.require_account(request, session, viewer, renewal.account_id)
    view = plan_service.view(session, renewal_id)
    return {
        **{c: getattr(view.plan, c) for c in PlanRead.model_fields if hasattr(view.plan, c)},
        "problems": view.problems,
        "fast_fix_ids": view.fast_fix_ids,
    }
