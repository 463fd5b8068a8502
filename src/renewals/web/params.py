"""FastAPI parameter types for pages and the API, built from the bounds in
renewals.kit.validate (the one validation layer, issue 15): a path id, a page number, a
date, a line of text or free text is declared once here and refused with a 422 naming the
field before the route runs, so out-of-range input never reaches the database.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

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
