"""What every JSON endpoint under /api/v1 shares: strict input models, the error format,
pagination and the access scope as SQL conditions (TECH-5).

Each domain's `endpoints.py` stays thin: it validates with its `schemas.py`, checks
access with `renewals.user.access`, calls the domain's service (or builds one `select`
for `page_of`) and returns a declared response model, so that /openapi.json says
exactly what the API answers, errors included.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Path, Query, Request
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, Strict, StringConstraints
from sqlalchemy import ColumnElement, Select, false, or_, select, true

from renewals.account.models import Account
from renewals.errors import NotFound
from renewals.kit.time import today
from renewals.renewal.models import Renewal
from renewals.user.access import Scope, require_edit, require_view, scope_for
from renewals.web.deps import Viewer, web
from renewals.web.tables import MAX_PAGE_SIZE, Page, page_of

# --- input types -----------------------------------------------------------------------------

# No control characters (PostgreSQL cannot store NUL; none belong in a name or a reason).
PRINTABLE = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"
Text = Annotated[
    str, Strict(), StringConstraints(strip_whitespace=True, max_length=4000, pattern=PRINTABLE)
]
RequiredText = Annotated[
    str,
    Strict(),
    StringConstraints(strip_whitespace=True, min_length=1, max_length=4000, pattern=PRINTABLE),
]
StrictNumber = Annotated[float, Strict()]  # JSON numbers only: no "5", no true


def _iso_date_only(value: Any) -> Any:
    if not isinstance(value, str | date):
        raise ValueError("a date as YYYY-MM-DD")
    return value


# A date written as YYYY-MM-DD (not a number of seconds, which lax parsing would accept),
# within years where date arithmetic cannot overflow.
IsoDate = Annotated[
    date,
    BeforeValidator(_iso_date_only),
    Field(
        ge=date(2000, 1, 1),
        le=date(2999, 12, 31),
        json_schema_extra={"pattern": r"^2[0-9]{3}-[0-9]{2}-[0-9]{2}$"},
    ),
]
Ident = Annotated[
    str, StringConstraints(min_length=1, max_length=128, pattern=r"^[^\x00-\x1f\x7f]+$")
]
Email = Annotated[
    str, StringConstraints(min_length=3, max_length=254, pattern=r"^[^@\s]+@[^@\s]+$")
]
# A record's id in a URL path: no control characters (PostgreSQL refuses NUL).
PathId = Annotated[str, Path(min_length=1, max_length=128, pattern=r"^[^\x00-\x1f\x7f]+$")]
# A numeric id in a URL path, within a 32-bit integer column.
IntId = Annotated[int, Path(ge=1, le=2**31 - 1)]
# A filter typed by a person (a name fragment, an owner's email).
QueryText = Annotated[str | None, Query(max_length=254, pattern=PRINTABLE)]
# Highest page number accepted: far beyond any real table, low enough that OFFSET never overflows.
MAX_PAGE = 1_000_000


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


def where_given(stmt: Select[Any], *filters: tuple[ColumnElement[Any], Any]) -> Select[Any]:
    """`stmt` narrowed by each (column, value) whose value was given (not None or empty)."""
    for column, value in filters:
        if value is not None and value != "":
            stmt = stmt.where(column == value)
    return stmt


def listing(
    request: Request,
    session: Any,
    stmt: Select[Any],
    *,
    page: int,
    size: int | None,
    sort: str | None,
    desc: bool,
    sortable: Mapping[str, ColumnElement[Any]],
    tiebreak: Sequence[ColumnElement[Any]],
    scalars: bool = True,
) -> Page:
    """One page of a list endpoint: the policy's page size unless asked, a whitelisted sort."""
    return page_of(
        session,
        stmt,
        page=page,
        size=page_size(request, size),
        sort=sort,
        desc=desc,
        sortable=sortable,
        tiebreak=tiebreak,
        scalars=scalars,
    )


PageNo = Annotated[int, Query(ge=1, le=MAX_PAGE, description="page number, from 1")]
Size = Annotated[
    int | None,
    Query(ge=1, le=MAX_PAGE_SIZE, description="rows per page; default policy web.page_size"),
]
Desc = Annotated[bool, Query(description="sort descending")]
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2999, 12, 31)  # date arithmetic stays in range
DATE_PATTERN = r"^2[0-9]{3}-[0-9]{2}-[0-9]{2}$"  # the same bounds, as the schema states them
AsOf = Annotated[
    date | None,
    Query(
        ge=FIRST_DAY,
        le=LAST_DAY,
        description="the business day to read, 2000-01-01 to 2999-12-31 (default: today, UTC)",
        json_schema_extra={"pattern": DATE_PATTERN},
    ),
]


def page_size(request: Request, size: int | None) -> int:
    return size or web(request).policy.web.page_size


def day(as_of: date | None) -> date:
    return as_of or today()


# --- access scope as SQL ---------------------------------------------------------------------


def scope(request: Request, session: Any, viewer: Viewer) -> Scope:
    return scope_for(session, viewer.user, web(request).policy.web)


def accounts_in(scope: Scope, account_id: ColumnElement[Any], *, edit: bool = False) -> Any:
    """TECH-5: the condition "this account is one the viewer may see (or edit)".

    The same rule as renewals.user.access: the account's owner or an open renewal's
    owner is in the viewer's scope; everything for directors and above, and for reading
    when policy `web.csm_can_read_others` allows.
    """
    if scope.everything or (scope.read_everything and not edit):
        return true()
    if not scope.owners:
        return false()
    owners = list(scope.owners)
    return or_(
        account_id.in_(select(Account.account_id).where(Account.owner_email.in_(owners))),
        account_id.in_(
            select(Renewal.account_id).where(
                Renewal.owner_email.in_(owners), Renewal.outcome.is_(None)
            )
        ),
    )


def require_account(
    request: Request, session: Any, viewer: Viewer, account_id: str, *, edit: bool = False
) -> Account:
    """The account, or 404 when there is none, or 403 when the viewer may not see (or change)
    it (TECH-5, checked on the server for every request)."""
    account = session.get(Account, account_id)
    if account is None:
        raise NotFound(f"no account {account_id!r}")
    policy = web(request).policy.web
    if edit:
        require_edit(session, viewer.user, account_id, policy)
    else:
        require_view(session, viewer.user, account_id, policy)
    return account
