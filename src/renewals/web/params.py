"""FastAPI parameter types for pages and the API, built from the bounds in
renewals.kit.validate (the one validation layer, issue 15): a path id, a page number, a
date, a line of text or free text is declared once here and refused with a 422 naming the
field before the route runs, so out-of-range input never reaches the database.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any, Literal, cast

from fastapi import Form, Path, Query

from renewals.kit.validate import (
    DATE_PATTERN,
    FIRST_DAY,
    LAST_DAY,
    LIMITS,
    MAX_INT_ID,
    MAX_PAGE,
    MAX_PAGE_SIZE,
    ONE_LINE,
    PRINTABLE,
)

Desc = Annotated[bool, Query(description="sort descending")]
# A numeric id in a URL path, within a 32-bit integer column.
IntId = Annotated[int, Path(ge=1, le=MAX_INT_ID, description="the record's number")]
# A textual id in a URL path (an account, a renewal): one line, bounded.
PathId = Annotated[str, Path(min_length=1, max_length=LIMITS["ident"], pattern=ONE_LINE)]
PageNo = Annotated[int, Query(ge=1, le=MAX_PAGE, description="page number, from 1")]
PageSize = Annotated[
    int | None,
    Query(ge=1, le=MAX_PAGE_SIZE, description="rows per page; default policy web.page_size"),
]
_DAY_HELP = f"a day, YYYY-MM-DD, from {FIRST_DAY} to {LAST_DAY}"
# An optional day in the query string (`?as_of=`, `?since=`).
Day = Annotated[
    date | None,
    Query(
        ge=FIRST_DAY,
        le=LAST_DAY,
        description=_DAY_HELP,
        json_schema_extra={"pattern": DATE_PATTERN},
    ),
]
# A day in a URL path.
PathDay = Annotated[date, Path(ge=FIRST_DAY, le=LAST_DAY, description=_DAY_HELP)]
# A filter typed by a person (a name fragment, an owner's email).
QueryText = Annotated[str | None, Query(max_length=LIMITS["query"], pattern=PRINTABLE)]

# Form fields: free text (notes, reasons), a name, an email, a short value (a date, a number).
FormText = Annotated[str, Form(max_length=LIMITS["text"], pattern=PRINTABLE)]
FormName = Annotated[str, Form(max_length=LIMITS["name"], pattern=PRINTABLE)]
FormEmail = Annotated[str, Form(max_length=LIMITS["email"], pattern=PRINTABLE)]
FormShort = Annotated[str, Form(max_length=LIMITS["number"], pattern=PRINTABLE)]
FormChoice = Annotated[str, Form(max_length=LIMITS["choice"], pattern=PRINTABLE)]


# --- list parameters (issue 14) ----------------------------------------------------------


@dataclass(frozen=True)
class ListParams:
    """Page, size and sort of one list, read once for the API and its page twin."""

    page: int = 1
    size: int | None = None  # None: the policy's web.page_size
    sort: str | None = None
    desc: bool = False


def list_params(keys: Iterable[str], *, sort: str, desc: bool = False) -> Callable[..., ListParams]:
    """The `ListParams` dependency of a list whose sort keys are `keys`: `?page=`, `?size=`,
    `?sort=` (one of `keys`, default `sort`) and `?desc=`. Validated before the route runs:
    an unknown sort key is a 422 naming the field and the keys allowed. A route takes
    `params: Annotated[ListParams, Depends(list_params(...))]`."""
    allowed = tuple(keys)
    if sort not in allowed:
        raise ValueError(f"default sort {sort!r} is not one of {allowed}")
    sort_key: Any = Annotated[
        cast(Any, Literal)[allowed],
        Query(description=f"sort by one of: {', '.join(allowed)}"),
    ]

    def read(page: int, size: int | None, sort: str, desc: bool) -> ListParams:
        return ListParams(page=page, size=size, sort=sort, desc=desc)

    keyword = inspect.Parameter.KEYWORD_ONLY
    # FastAPI reads the parameters from the signature (the sort keys are this list's own).
    read.__dict__["__signature__"] = inspect.Signature(
        [
            inspect.Parameter("page", keyword, default=1, annotation=PageNo),
            inspect.Parameter("size", keyword, default=None, annotation=PageSize),
            inspect.Parameter("sort", keyword, default=sort, annotation=sort_key),
            inspect.Parameter("desc", keyword, default=desc, annotation=Desc),
        ],
        return_annotation=ListParams,
    )
    return read
