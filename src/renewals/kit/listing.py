"""A list query (issue 14): one per listed resource, shared by the API, the page and the
CSV export, so that they answer with the same rows for the same filters.

A slice's repository or service (or the read side, where a list joins several slices)
builds a `Listing`: the filtered `select`, already narrowed to what the viewer may see
(renewals.user.access, TECH-5), the columns one may sort by, the order that makes paging
stable, and the CSV header. The API and the page only page it (renewals.web.tables).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from sqlalchemy import Select, SQLColumnExpression

from renewals.kit.i18n import Text
from renewals.kit.validate import InvalidInput


def unknown_sort(field: str, sort: str, sortable: Iterable[str]) -> InvalidInput:
    """A 422 naming the parameter and the columns one may sort by, in the reader's words."""
    return InvalidInput(
        field,
        Text(
            "cannot sort by {sort}; sortable columns: {known}",
            sort=repr(sort),
            known=", ".join(sorted(sortable)) or "none",
        ),
    )


@dataclass(frozen=True)
class Listing:
    """A table's query, the columns one may sort by, and the order that makes it stable."""

    stmt: Select[*tuple[Any, ...]]
    sortable: Mapping[str, SQLColumnExpression[Any]]
    tiebreak: Sequence[SQLColumnExpression[Any]]
    header: tuple[str, ...] = ()
    health_day: date | None = None  # the account list's health snapshot day
    scalars: bool = False  # rows are ORM objects (one entity selected), not tuples

    def selecting(self, *columns: Any) -> Listing:
        """The same rows (joins, filters, order) with other columns: the API's ORM objects
        where the page reads labelled columns. One entity gives objects, not tuples."""
        return replace(self, stmt=self.stmt.with_only_columns(*columns), scalars=len(columns) == 1)

    def sorted(self, sort: str | None, desc: bool) -> Select[*tuple[Any, ...]]:
        """The query in the order asked for (a whitelisted column, then the tiebreak); an
        unknown column is a 422 naming the ones there are (as the API's `?sort=` is)."""
        if not sort:
            return self.stmt
        column = self.sortable.get(sort)
        if column is None:
            raise unknown_sort("sort", sort, self.sortable)
        return self.stmt.order_by(None).order_by(
            column.desc() if desc else column.asc(), *self.tiebreak
        )


def where_given(
    stmt: Select[*tuple[Any, ...]], *filters: tuple[SQLColumnExpression[Any], Any]
) -> Select[*tuple[Any, ...]]:
    """`stmt` narrowed by each (column, value) whose value was given (not None or empty)."""
    for column, value in filters:
        if value is not None and value != "":
            stmt = stmt.where(column == value)
    return stmt


@dataclass(frozen=True)
class RecordFilters:
    """What a list of an account's records (proposals, contracts, concessions) is narrowed
    to; None means no filter."""

    status: str | None = None
    renewal_id: str | None = None
    account_id: str | None = None


def records_of(
    stmt: Select[*tuple[Any, ...]],
    filters: RecordFilters,
    status: SQLColumnExpression[Any],
    renewal_id: SQLColumnExpression[Any],
    account_id: SQLColumnExpression[Any],
) -> Select[*tuple[Any, ...]]:
    """`stmt` narrowed by the filters given, each on its column."""
    return where_given(
        stmt,
        (status, filters.status),
        (renewal_id, filters.renewal_id),
        (account_id, filters.account_id),
    )
