"""Account pages (TECH-5, HEALTH-5): the list with search, filters and CSV, the account page,
and the facts behind one health snapshot. Thin: the data comes from account.page_service."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, ConfigDict, Field, field_validator
from starlette.responses import Response

from renewals.account import page_service
from renewals.account.domain import Segment
from renewals.account.explain import feature_label
from renewals.health.domain import Category, format_value
from renewals.kit.time import today
from renewals.kit.validate import (
    FIRST_DAY,
    LAST_DAY,
    LIMITS,
    MAX_DAYS,
    MAX_PAGE,
    MAX_PAGE_SIZE,
    PRINTABLE,
)
from renewals.signal.domain import Risk
from renewals.user import access
from renewals.web import deps
from renewals.web.deps import Db, PageViewer
from renewals.web.params import Day, ListParams, PathDay, PathId
from renewals.web.tables import listing_csv, page_listing

router = APIRouter(include_in_schema=False)

AccountId = PathId
CategoryFilter = Literal["green", "yellow", "red", "expansion", "unscored"]


class ListQuery(BaseModel):
    """Search, filters, sorting and paging shared by the account and renewal lists."""

    model_config = ConfigDict(extra="ignore")

    q: str | None = Field(
        None, max_length=LIMITS["query"], pattern=PRINTABLE, description="part of a name or an id"
    )
    segment: Segment | None = None
    owner: str | None = Field(None, max_length=LIMITS["email"], pattern=PRINTABLE)
    category: CategoryFilter | None = None
    risk: Risk | None = None
    window: int | None = Field(None, ge=0, le=MAX_DAYS, description="renewal due within N days")
    show: Literal["mine", "all"] = "mine"
    as_of: date | None = Field(None, ge=FIRST_DAY, le=LAST_DAY)
    page: int = Field(1, ge=1, le=MAX_PAGE)
    size: int | None = Field(None, ge=1, le=MAX_PAGE_SIZE)
    sort: str | None = Field(None, max_length=LIMITS["sort"])
    desc: bool = False
    format: Literal["html", "csv"] = "html"

    @field_validator(
        "q",
        "segment",
        "owner",
        "category",
        "risk",
        "window",
        "as_of",
        "size",
        "sort",
        mode="before",
    )
    @classmethod
    def _blank_is_none(cls, value: object) -> object:
        # An empty select or text box in the filter form means "no filter".
        return None if isinstance(value, str) and not value.strip() else value

    @property
    def params(self) -> ListParams:
        """Page, size and sort as the API's lists read them (issue 14); an unknown sort
        key is refused by the list query (422, naming the keys there are)."""
        return ListParams(page=self.page, size=self.size, sort=self.sort, desc=self.desc)


@router.get("/accounts")
def account_list(
    request: Request,
    session: Db,
    viewer: PageViewer,
    query: Annotated[ListQuery, Query()],
) -> Response:
    """TECH-5: the accounts in the viewer's scope, searchable, filterable, sortable, as CSV."""
    context = deps.web(request)
    as_of = query.as_of or today()
    scope = access.scope_for(session, viewer.user, context.policy.web)
    filters = page_service.AccountFilters(
        q=query.q,
        segment=query.segment.value if query.segment else None,
        owner=query.owner,
        category=query.category,
        risk=query.risk.value if query.risk else None,
        window=query.window,
        everyone=query.show == "all",
    )
    listing = page_service.account_listing(session, scope, filters, as_of=as_of)
    if query.format == "csv":
        return listing_csv(session, listing, query.params, f"accounts-{as_of.isoformat()}.csv")
    page = page_listing(session, listing, query.params, size=context.policy.web.page_size)
    return deps.render(
        request,
        "account/list.html",
        viewer,
        page=page,
        query=query,
        as_of=as_of,
        health_day=listing.health_day,
        scope=scope,
        owners=page_service.owner_choices(session, scope),
        segments=[s.value for s in Segment],
        categories=[*(c.value for c in Category), "unscored"],
        risks=[r.value for r in Risk],
    )


@router.get("/accounts/{account_id}")
def account_page(
    request: Request,
    session: Db,
    viewer: PageViewer,
    account_id: AccountId,
    as_of: Day = None,
) -> Response:
    """TECH-5, HEALTH-5: one account with the reasons behind every number."""
    context = deps.web(request)
    day = as_of or today()
    view = page_service.account_page(session, context.policy, viewer.user, account_id, as_of=day)
    return deps.render(request, "account/page.html", viewer, view=view, as_of=day)


@router.get("/accounts/{account_id}/health/{day}")
def health_facts(
    request: Request,
    session: Db,
    viewer: PageViewer,
    account_id: AccountId,
    day: PathDay,
) -> Response:
    """HEALTH-5: the facts, measures, drivers and rule IDs stored with one snapshot."""
    context = deps.web(request)
    facts = page_service.health_facts(session, context.policy, viewer.user, account_id, day)
    return deps.render(
        request,
        "account/health.html",
        viewer,
        facts=facts,
        fmt=format_value,
        feature_label=feature_label,
    )
