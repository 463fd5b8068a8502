"""The save desk over the JSON API: triaged renewals in scope, and per renewal its triage
(SAVE-2..7) and its save plan (SAVE-8..11)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request

from renewals.renewal import service as renewal_service
from renewals.save_plan import plan_service
from renewals.save_plan import service as save_service
from renewals.save_plan.models import SaveTriage
from renewals.save_plan.schemas import PlanRead, TriageRead
from renewals.web import api_common as api
from renewals.web.deps import ApiViewer, Db

router = APIRouter(tags=["saves"])

by_list_params = api.list_params(
    ("renewal_id", "expected_value_hours", "success_rate", "updated_on"),
    sort="expected_value_hours",
    desc=True,
)


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
    params: Annotated[api.ListParams, Depends(by_list_params)],
    status: Literal["open", "saved", "lost", "resolved"] | None = "open",
    effort: Literal["full", "standard", "light", "none"] | None = None,
    probability_band: Literal["high", "medium", "low"] | None = None,
    account_id: api.QueryText = None,
) -> dict[str, Any]:
    filters = save_service.SaveFilters(status, effort, probability_band, account_id)
    listing = save_service.listing(api.scope(request, session, viewer), filters)
    result = api.list_page(request, session, listing, params)
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
