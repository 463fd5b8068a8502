"""Account batches for the daily run: bounded memory at any book size (TECH-1).

A step that used to load the whole book works through it in ranges of account IDs
instead, `policy.run.batch_accounts` at a time, and reports (step, done, total) so
that `renewals run` can draw a bar with an ETA. Ranges (first <= id <= last) rather
than ID lists keep the queries short and use the account_id indexes.
"""

from __future__ import annotations

import pickle
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import IO, Any, Generic, TypeVar

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


class Spill(Generic[T]):
    """What a first pass over the batches computed, kept for the second pass: a step that
    needs a book-wide figure before it can decide (HEALTH-2's bottom quartile) computes
    each batch once, without holding the whole book in memory (TECH-1). Every value but
    the last goes to an anonymous temporary file (gone when closed); the last stays in
    memory, so a book of one batch never touches the disk."""

    def __init__(self) -> None:
        self._file: IO[bytes] | None = None
        self._count = 0
        self._last: list[T] = []

    def add(self, value: T) -> None:
        if self._last:
            if self._file is None:
                self._file = tempfile.TemporaryFile()  # noqa: SIM115 (closed by close())
            pickle.dump(self._last.pop(), self._file, protocol=pickle.HIGHEST_PROTOCOL)
            self._count += 1
        self._last.append(value)

    def __len__(self) -> int:
        return self._count + len(self._last)

    def __iter__(self) -> Iterator[T]:
        """The values in the order added (the file is this process's own, never shared)."""
        if self._file is not None:
            self._file.seek(0)
            for _ in range(self._count):
                yield pickle.load(self._file)  # noqa: S301 (written by this object before)
        yield from self._last

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
        self._last.clear()

    def __enter__(self) -> Spill[T]:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
