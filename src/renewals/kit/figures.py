"""Figures computed once and read by every server process (issue 23).

A dashboard's book-wide parts (the forecast by owner and by segment, retention and its
trend, win/loss, stage stalls) are the same for every team and every executive, cost
seconds on a large book, and change only with the data. Each server process keeps what it
computed (web/cache.py), but a server runs several processes, and each one used to compute
the same figures again on its first visit. The `FigureStore` keeps them in the database
(`shared_figure`), one row per figure, valid for one data version (`renewals.db.data_version`):

- the daily run's last step (`dashboard.figures`) stores them for the day it ran, so the
  first visitor after the run finds them computed;
- a process that computes a missing figure stores it for the others (PostgreSQL; on SQLite
  a page never takes the write lock, so only the daily run stores them);
- a figure whose data version is not the current one is never read.

A stored value is a pickle, signed with a key derived from the application's secret
(HMAC-SHA256) and checked before it is read: a row written by anything but this
application is ignored, never unpickled. The key of a figure is a digest of its name and
parameters and of the policy it was computed under (a server and a daily run with
different policies never share figures).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import pickle
import zlib
from collections.abc import Callable, Hashable
from typing import Any, Protocol, TypeVar

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from renewals.db import SharedFigure
from renewals.kit.time import utc_now

T = TypeVar("T")
log = logging.getLogger(__name__)

_MAC_BYTES = 32
MISSING: Any = object()


class Memo(Protocol):
    """Where a service gets a figure it may share: `memo(key, compute)` returns the figure
    kept under `key` or computes it. The key holds the figure's name and every parameter it
    depends on (the day included), never a user."""

    def __call__(self, key: Hashable, compute: Callable[[], T]) -> T: ...


def compute_now(key: Hashable, compute: Callable[[], T]) -> T:
    """The memo that keeps nothing (the CLI, tests, one-off reports)."""
    return compute()


class FigureStore:
    """Signed figures in the `shared_figure` table, one per key, each for one data version."""

    def __init__(self, secret: str, *, context: str, writes: bool = True) -> None:
        # A key of its own, derived from the secret: a session cookie's signature can never
        # pass for a figure's, nor the other way round.
        self._mac_key = hashlib.sha256(b"renewals.shared-figures\0" + secret.encode()).digest()
        self.context = context
        self.writes = writes

    def row_key(self, key: Hashable) -> str:
        return hashlib.sha256(f"{self.context}\0{key!r}".encode()).hexdigest()

    def _mac(self, row_key: str, version: int, payload: bytes) -> bytes:
        message = f"{row_key}\0{version}\0".encode() + payload
        return hmac.new(self._mac_key, message, hashlib.sha256).digest()

    def read(self, session: Session, key: Hashable, version: int) -> Any:
        """The figure stored under `key` for data `version`, or MISSING."""
        row_key = self.row_key(key)
        row = session.execute(
            select(SharedFigure.version, SharedFigure.value).where(SharedFigure.key == row_key)
        ).first()
        if row is None or row.version != version:
            return MISSING
        value = bytes(row.value)
        mac, payload = value[:_MAC_BYTES], value[_MAC_BYTES:]
        if not hmac.compare_digest(mac, self._mac(row_key, version, payload)):
            log.warning("shared figure %s has a bad signature: ignored", row_key[:12])
            return MISSING
        return pickle.loads(zlib.decompress(payload))  # noqa: S301 (signed by us, checked above)

    def write(self, session: Session, key: Hashable, version: int, value: Any) -> bool:
        """Store `value` for `version` in the session's transaction (a savepoint: a failure
        leaves the caller's work intact). A newer version already stored is kept."""
        row_key = self.row_key(key)
        payload = zlib.compress(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL), 1)
        values = {
            "key": row_key,
            "version": version,
            "stored_at": utc_now(),
            "value": self._mac(row_key, version, payload) + payload,
        }
        dialect = session.get_bind().dialect.name
        insert_ = sqlite_insert if dialect == "sqlite" else pg_insert
        stmt = insert_(SharedFigure).values(**values)
        stmt = stmt.on_conflict_do_update(
            index_elements=[SharedFigure.key],
            set_={
                "version": stmt.excluded.version,
                "stored_at": stmt.excluded.stored_at,
                "value": stmt.excluded.value,
            },
            where=SharedFigure.version <= stmt.excluded.version,
        )
        try:
            with session.begin_nested():
                session.execute(stmt)
        except SQLAlchemyError as exc:
            log.warning("shared figure %s not stored: %s", row_key[:12], exc)
            return False
        return True


def storing(store: FigureStore, session: Session, version: int) -> Memo:
    """A memo that computes every figure and stores it (the daily run's last step)."""

    def memo(key: Hashable, compute: Callable[[], T]) -> T:
        value = compute()
        store.write(session, key, version, value)
        return value

    return memo
