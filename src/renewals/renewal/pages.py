"""The renewal list (TECH-1, TECH-5): search, filters, sorting, paging and CSV export.
Thin: the query comes from renewal.page_service; access from renewals.user.access."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse
from pydantic import field_validator
from starlette.responses import Response

from renewals.account import page_service as account_pages
from renewals.account.domain import Segment
from renewals.account.pages import ListQuery
from renewals.health.domain import Category
from renewals.kit.time import today
from renewals.renewal import page_service
from renewals.renewal import service as renewal_service
from renewals.renewal.domain import OPEN_STAGES, Stage
from renewals.signal.domain import Risk
from renewals.user import access
from renewals.web import deps
from renewals.web.deps import Db, PageViewer
from renewals.web.params import PathId
from renewals.web.tables import listing_csv, page_listing

router = APIRouter(include_in_schema=False)

StageFilter = Literal[
    "assessment",
    "preparation",
    "engagement",
    "closing",
    "execution",
    "closed_won",
    "closed_lost",
    "any",
]


class RenewalQuery(ListQuery):
    stage: StageFilter | None = None

    @field_validator("stage", mode="before")
    @classmethod
    def _blank_stage(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value


@router.get("/renewals")
def renewal_list(
    request: Request,
    session: Db,
    viewer: PageViewer,
    query: Annotated[RenewalQuery, Query()],
) -> Response:
    """TECH-1, TECH-5: renewals in the viewer's scope, soonest first, as a table or CSV."""
    context = deps.web(request)
    as_of = query.as_of or today()
    scope = access.scope_for(session, viewer.user, context.policy.web)
    filters = page_service.RenewalFilters(
        q=query.q,
        segment=query.segment.value if query.segment else None,
        owner=query.owner,
        stage=query.stage,
        category=query.category,
        risk=query.risk.value if query.risk else None,
        window=query.window,
        everyone=query.show == "all",
    )
    listing = page_service.renewal_listing(scope, filters, as_of=as_of)
    if query.format == "csv":
        return listing_csv(session, listing, query.params, f"renewals-{as_of.isoformat()}.csv")
    page = page_listing(session, listing, query.params, size=context.policy.web.page_size)
    return deps.render(
        request,
        "renewal/list.html",
        viewer,
        page=page,
        query=query,
        as_of=as_of,
        scope=scope,
        owners=account_pages.owner_choices(session, scope),
        segments=[s.value for s in Segment],
        categories=[*(c.value for c in Category), "unscored"],
        risks=[r.value for r in Risk],
        stages=[s.value for s in OPEN_STAGES] + [Stage.closed_won.value, Stage.closed_lost.value],
    )


@router.get("/renewals/{renewal_id}")
def renewal_page(
    request: Request,
    session: Db,
    viewer: PageViewer,
    renewal_id: PathId,
) -> Response:
    """A renewal lives on its account's page: go there, once access is checked (TECH-5: the
    redirect would tell someone without access which account the renewal belongs to)."""
    renewal = renewal_service.get(session, renewal_id)
    access.require_view(session, viewer.user, renewal.account_id, deps.web(request).policy.web)
    return RedirectResponse(
        f"/accounts/{renewal.account_id}#renewal-{renewal.renewal_id}", status_code=303
    )
