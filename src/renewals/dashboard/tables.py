"""Several sortable, paginated, exportable tables on one page.

`web.tables` handles one table per page (`?page=`, `?sort=`, `?format=csv`). A
dashboard shows several, so each table reads its own prefixed parameters
(`renewals_page`, `renewals_sort`, `renewals_desc`) and exports with `?csv=<name>`.
A `TableSpec` is a SQL query (aggregated and limited in the database); a `ListSpec`
holds rows already computed in Python (small aggregates and decisions with reasons).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, SQLColumnExpression
from sqlalchemy.orm import Session
from starlette.responses import Response

from renewals.errors import RenewalsError
from renewals.kit.i18n import Text
from renewals.kit.listing import unknown_sort
from renewals.kit.validate import LIMITS, parse_page
from renewals.web.tables import MAX_PAGE_SIZE, Page, csv_response, page_of


@dataclass(frozen=True)
class TableQuery:
    """What the visitor asked of one table: page, sort column and direction."""

    page: int = 1
    sort: str | None = None
    desc: bool = False
    size: int = 50

    @classmethod
    def read(cls, params: Mapping[str, str], prefix: str, *, size: int) -> TableQuery:
        """The table's parameters (`<prefix>_page`, `_sort`, `_desc`); a bad page is a 422."""
        key = f"{prefix}_" if prefix else ""
        page = parse_page(params.get(f"{key}page"), f"{key}page")
        desc = (params.get(f"{key}desc") or "").lower() in ("1", "true", "yes")
        sort = (params.get(f"{key}sort") or "")[: LIMITS["sort"]] or None
        return cls(page, sort, desc, max(1, min(size, MAX_PAGE_SIZE)))


@dataclass(frozen=True)
class TableSpec:
    """A table drawn from one SQL query; sorting and paging happen in the database."""

    name: str
    stmt: Select[*tuple[Any, ...]]
    sortable: Mapping[str, SQLColumnExpression[Any]]
    header: Sequence[str]
    row: Callable[[Any], Sequence[Any]]
    default_sort: str | None = None
    default_desc: bool = False
    tiebreak: Sequence[SQLColumnExpression[Any]] = ()

    def fetch(self, session: Session, query: TableQuery) -> Page:
        sort = query.sort or self.default_sort
        desc = query.desc if query.sort else self.default_desc
        return page_of(
            session,
            self.stmt,
            page=query.page,
            size=query.size,
            sort=sort,
            desc=desc,
            sortable=self.sortable,
            tiebreak=self.tiebreak,
        )

    def export(self, session: Session) -> Response:
        # Read every row now: the request's session is committed and closed before a
        # streamed body is sent, and a PostgreSQL server-side cursor (yield_per) dies with it.
        rows = [self.row(r) for r in session.execute(self.stmt)]
        return csv_response(f"{self.name}.csv", self.header, rows)


@dataclass(frozen=True)
class ListSpec:
    """A table of rows computed in Python (aggregates, rows with reasons)."""

    name: str
    rows: list[Any]
    sortable: Mapping[str, Callable[[Any], Any]]
    header: Sequence[str]
    row: Callable[[Any], Sequence[Any]]
    default_sort: str | None = None
    default_desc: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    def fetch(self, session: Session | None, query: TableQuery) -> Page:
        sort = query.sort or self.default_sort
        desc = query.desc if query.sort else self.default_desc
        rows = list(self.rows)
        if sort:
            key = self.sortable.get(sort)
            if key is None:  # a 422, like the SQL tables and the API
                raise unknown_sort(f"{self.name}_sort", sort, self.sortable)
            # None sorts last in either direction.
            present = [r for r in rows if key(r) is not None]
            missing = [r for r in rows if key(r) is None]
            rows = sorted(present, key=key, reverse=desc) + missing
        start = (query.page - 1) * query.size
        return Page(rows[start : start + query.size], len(rows), query.page, query.size, sort, desc)

    def export(self, session: Session | None = None) -> Response:
        return csv_response(f"{self.name}.csv", self.header, (self.row(r) for r in self.rows))


Spec = TableSpec | ListSpec


def pages(
    session: Session, specs: Iterable[Spec], params: Mapping[str, str], *, size: int
) -> dict[str, Page]:
    """Each table's page as its own parameters ask."""
    return {s.name: s.fetch(session, TableQuery.read(params, s.name, size=size)) for s in specs}


def export(session: Session, specs: Iterable[Spec], name: str) -> Response:
    """The CSV of the table called `name` (all its rows, not one page)."""
    found = {s.name: s for s in specs}
    if name not in found:
        raise RenewalsError(
            Text(
                "no table {name} here; tables: {tables}",
                name=repr(name),
                tables=", ".join(sorted(found)),
            )
        )
    return found[name].export(session)
