"""What every JSON endpoint under /api/v1 shares: strict input models, the error format,
pagination and the viewer's access scope (the rule itself: renewals.user.access, TECH-5).

Each domain's `endpoints.py` stays thin: it validates with its `schemas.py`, checks
access with `renewals.user.access`, calls the domain's service (or builds one `select`
for `page_of`) and returns a declared response model, so that /openapi.json says
exactly what the API answers, errors included.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Request
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, Strict, StringConstraints
from sqlalchemy import Select, SQLColumnExpression

from renewals.account.models import Account
from renewals.errors import NotFound
from renewals.kit import i18n
from renewals.kit.listing import Listing
from renewals.kit.listing import RecordFilters as RecordFilters
from renewals.kit.listing import where_given as where_given
from renewals.kit.time import today
from renewals.kit.validate import DATE_PATTERN, FIRST_DAY, LAST_DAY, LIMITS, ONE_LINE, PRINTABLE
from renewals.kit.validate import MAX_PAGE as MAX_PAGE
from renewals.user.access import Scope, require_edit, require_view, scope_for
from renewals.web.deps import Viewer, web
from renewals.web.params import Day, PageSize
from renewals.web.params import Desc as Desc
from renewals.web.params import IntId as IntId
from renewals.web.params import ListParams as ListParams
from renewals.web.params import PageNo as PageNo
from renewals.web.params import PathId as PathId
from renewals.web.params import QueryText as QueryText
from renewals.web.params import list_params as list_params
from renewals.web.tables import Page, page_listing

# --- input types -----------------------------------------------------------------------------

# Bounds come from the one validation layer (renewals.kit.validate, issue 15); the
# parameter types shared with the pages from renewals.web.params.
Text = Annotated[
    str,
    Strict(),
    StringConstraints(strip_whitespace=True, max_length=LIMITS["text"], pattern=PRINTABLE),
]
RequiredText = Annotated[
    str,
    Strict(),
    StringConstraints(
        strip_whitespace=True, min_length=1, max_length=LIMITS["text"], pattern=PRINTABLE
    ),
]
StrictNumber = Annotated[float, Strict()]  # JSON numbers only: no "5", no true


def _iso_date_only(value: Any) -> Any:
    if not isinstance(value, str | date):
        raise ValueError(i18n.Text("a date as YYYY-MM-DD"))
    return value


# A date written as YYYY-MM-DD (not a number of seconds, which lax parsing would accept),
# within years where date arithmetic cannot overflow.
IsoDate = Annotated[
    date,
    BeforeValidator(_iso_date_only),
    Field(ge=FIRST_DAY, le=LAST_DAY, json_schema_extra={"pattern": DATE_PATTERN}),
]
Ident = Annotated[
    str, StringConstraints(min_length=1, max_length=LIMITS["ident"], pattern=ONE_LINE)
]
Email = Annotated[
    str, StringConstraints(min_length=3, max_length=LIMITS["email"], pattern=r"^[^@\s]+@[^@\s]+$")
]


class StrictIn(BaseModel):
    """Request bodies: unknown fields are errors (422 with `fields`); fields use the strict
    types above, so a number is never taken from a string or a boolean."""

    model_config = ConfigDict(extra="forbid")


class Out(BaseModel):
    """Response bodies, read from ORM rows or dataclasses."""

    model_config = ConfigDict(from_attributes=True)


# --- errors ------------------------------------------------------------------------------------


class FieldError(BaseModel):
    loc: list[str]
    message: str
    type: str


class ErrorDetail(BaseModel):
    status: int
    message: str
    fields: list[FieldError] | None = Field(None, description="only on 422: each invalid field")


class ErrorOut(BaseModel):
    """The stable error format of the API."""

    error: ErrorDetail


_DESCRIPTIONS = {
    400: "The request cannot be carried out as asked (the message says why).",
    401: "Not signed in: send `Authorization: Bearer <token>`.",
    403: "Signed in, but not allowed (account scope TECH-5, approval authority CONC-3, or CSRF).",
    404: "No such record.",
    409: "The record changed or was already decided.",
    422: "Some fields are invalid: `error.fields` lists each with its location and reason.",
}


def errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    """The `responses=` of an endpoint: 401 and 422 always, plus the codes given."""
    return {
        code: {"model": ErrorOut, "description": _DESCRIPTIONS[code]}
        for code in sorted({401, 422, *codes})
    }


# --- pagination --------------------------------------------------------------------------------

T = TypeVar("T")


class PageOut(BaseModel, Generic[T]):
    """One page of a list, with the facts to fetch the others."""

    items: list[T]
    page: int
    size: int
    total: int
    pages: int


def page_out(page: Page, items: list[Any]) -> dict[str, Any]:
    return {"items": items, **page.meta()}


def list_page(request: Request, session: Any, listing: Listing, params: ListParams) -> Page:
    """One page of a list query (issue 14): the policy's page size unless asked."""
    return page_listing(session, listing, params, size=page_size(request, None))


def listing(
    request: Request,
    session: Any,
    stmt: Select[*tuple[Any, ...]],
    *,
    page: int,
    size: int | None,
    sort: str | None,
    desc: bool,
    sortable: Mapping[str, SQLColumnExpression[Any]],
    tiebreak: Sequence[SQLColumnExpression[Any]],
    scalars: bool = True,
) -> Page:
    """One page of a `select` built in the endpoint (prefer a slice's list query and
    `list_page`): the policy's page size unless asked, a whitelisted sort."""
    params = ListParams(page=page, size=size, sort=sort, desc=desc)
    return list_page(request, session, Listing(stmt, sortable, tiebreak, scalars=scalars), params)


Size = PageSize
AsOf = Day


def page_size(request: Request, size: int | None) -> int:
    return size or web(request).policy.web.page_size


def day(as_of: date | None) -> date:
    return as_of or today()


# --- access scope as SQL ---------------------------------------------------------------------


def scope(request: Request, session: Any, viewer: Viewer) -> Scope:
    return scope_for(session, viewer.user, web(request).policy.web)


def require_account(
    request: Request, session: Any, viewer: Viewer, account_id: str, *, edit: bool = False
) -> Account:
    """The account, or 404 when there is none, or 403 when the viewer may not see (or change)
    it (TECH-5, checked on the server for every request)."""
    account = session.get(Account, account_id)
    if account is None:
        raise NotFound(i18n.Text("no account {id}", id=repr(account_id)))
    policy = web(request).policy.web
    if edit:
        require_edit(session, viewer.user, account_id, policy)
    else:
        require_view(session, viewer.user, account_id, policy)
    return account
