"""Sortable, filterable, paginated tables shared by pages, the API and CSV export.

A route builds a SQLAlchemy `select`, names the columns users may sort by, and calls
`page_of`; `csv_response` streams the same rows as CSV (`?format=csv` on any table).
The `_table.html` macros draw sortable headers and the pager, keeping the filters.
"""

from __future__ import annotations

import io
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import Select, SQLColumnExpression, func, select
from sqlalchemy.orm import Session
from starlette.datastructures import QueryParams
from starlette.responses import Response, StreamingResponse

from renewals.kit.listing import Listing, unknown_sort
from renewals.kit.spreadsheet import SafeWriter
from renewals.kit.validate import MAX_PAGE_SIZE as MAX_PAGE_SIZE
from renewals.kit.validate import check_page
from renewals.web.params import ListParams


@dataclass(frozen=True)
class Page:
    rows: list[Any]
    total: int
    page: int
    size: int
    sort: str | None
    desc: bool

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.size))

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    def meta(self) -> dict[str, Any]:
        """Pagination facts for JSON answers."""
        return {"page": self.page, "size": self.size, "total": self.total, "pages": self.pages}


def page_of(
    session: Session,
    stmt: Select[*tuple[Any, ...]],
    *,
    page: int = 1,
    size: int = 50,
    sort: str | None = None,
    desc: bool = False,
    sortable: Mapping[str, SQLColumnExpression[Any]] | None = None,
    tiebreak: Sequence[SQLColumnExpression[Any]] = (),
    scalars: bool = False,
) -> Page:
    """One page of `stmt`, sorted by a whitelisted column (unknown names are a 422)."""
    check_page(page)  # an out-of-range page is a 422, never an OFFSET overflow
    size = max(1, min(size, MAX_PAGE_SIZE))
    if sort:
        column = (sortable or {}).get(sort)
        if column is None:
            raise unknown_sort("sort", sort, sortable or {})
        stmt = stmt.order_by(None).order_by(column.desc() if desc else column.asc(), *tiebreak)
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    query = stmt.limit(size).offset((page - 1) * size)
    rows = list(session.scalars(query) if scalars else session.execute(query))
    return Page(rows, total, page, size, sort, desc)


def page_listing(session: Session, listing: Listing, params: ListParams, *, size: int) -> Page:
    """One page of a list query (issue 14) as `params` ask; `size` when they name none."""
    return page_of(
        session,
        listing.stmt,
        page=params.page,
        size=params.size or size,
        sort=params.sort,
        desc=params.desc,
        sortable=listing.sortable,
        tiebreak=listing.tiebreak,
        scalars=listing.scalars,
    )


def listing_csv(session: Session, listing: Listing, params: ListParams, filename: str) -> Response:
    """Every row of a list query as CSV, in the order `params` ask (the page's order).

    The rows are read inside the request's transaction: the response streams after the
    session is committed and closed, which ends a PostgreSQL server-side cursor."""
    stmt = listing.sorted(params.sort, params.desc)
    rows = list(all_rows(session, stmt, scalars=listing.scalars))
    return csv_response(filename, listing.header, rows)


def all_rows(
    session: Session, stmt: Select[*tuple[Any, ...]], *, scalars: bool = False, chunk: int = 2000
) -> Iterable[Any]:
    """Every row of `stmt`, fetched in chunks (for CSV export of a whole table)."""
    result = session.execute(stmt.execution_options(yield_per=chunk))
    return result.scalars() if scalars else result


def csv_response(filename: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Response:
    """Stream rows as a CSV download."""

    def generate() -> Iterable[str]:
        buffer = io.StringIO()
        writer = SafeWriter(buffer)  # formulas neutralised (CSV injection)
        writer.writerow(header)
        for row in rows:
            writer.writerow(row)
            if buffer.tell() > 64_000:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue()

    return StreamingResponse(
        generate(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def url_with(params: QueryParams | Mapping[str, Any], **changes: Any) -> str:
    """The current query string with some parameters changed (None removes one)."""
    merged = dict(params.items()) if isinstance(params, QueryParams) else dict(params)
    for key, value in changes.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = value
    return "?" + urlencode(merged)
