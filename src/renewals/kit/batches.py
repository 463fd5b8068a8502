"""Account batches for the daily run: bounded memory at any book size (TECH-1).

A step that used to load the whole book works through it in ranges of account IDs
instead, `policy.run.batch_accounts` at a time, and reports (step, done, total) so
that `renewals run` can draw a bar with an ETA. Ranges (first <= id <= last) rather
than ID lists keep the queries short and use the account_id indexes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, SQLColumnExpression, select
from sqlalchemy.orm import Session

T = TypeVar("T")
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class Batch:
    """Accounts `first` to `last` (inclusive, in ID order): the `ids` selected in that range."""

    first: str
    last: str
    ids: tuple[str, ...]

    @property
    def size(self) -> int:
        return len(self.ids)

    def where(self, column: SQLColumnExpression[str]) -> ColumnElement[bool]:
        """`column` (an account_id) inside this batch."""
        return column.between(self.first, self.last)

    def contains(self, account_id: str) -> bool:
        return self.first <= account_id <= self.last


def _quiet(step: str, done: int, total: int) -> None:
    return None


def chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), max(1, size)):
        yield items[start : start + size]


def account_batches(
    session: Session, size: int, query: Select[*tuple[Any, ...]] | None = None
) -> list[Batch]:
    """Every account (or the account IDs `query` selects) in ranges of `size`, in ID order."""
    if query is None:
        from renewals.account.models import Account

        query = select(Account.account_id)
    ids = sorted({row[0] for row in session.execute(query)})
    return [Batch(part[0], part[-1], tuple(part)) for part in chunks(ids, size)]


def each(batches: Sequence[Batch], step: str, progress: Progress | None = None) -> Iterator[Batch]:
    """The batches in order, reporting accounts done / total before and after each."""
    report = progress or _quiet
    total = sum(b.size for b in batches)
    done = 0
    report(step, done, total)
    for batch in batches:
        yield batch
        done += batch.size
        report(step, done, total)
