"""Pages computed once and kept until the data changes (issue 23).

The dashboards aggregate the whole of a user's scope; their figures change only when the
daily run, an import or a person's action changes the data. Each server process keeps the
computed page data keyed by (page, day, table parameters, and whom it is for: a user, a
team's scope or the whole book) together with the data
version it was computed from (`renewals.db.data_version`, bumped by every commit that writes
business data, from any process). A request reads that one number; while it is unchanged
the kept value is served, otherwise the page is computed again. Entries also expire after
RENEWALS_DASHBOARD_CACHE_SECONDS (0 turns the cache off) and the least recently used go
first beyond MAX_ENTRIES.

When several requests ask for the same missing entry at once, one computes it and the
others wait for it (no stampede after the daily run).

The book-wide parts of the dashboards are also shared between processes (`shared=True`):
on a miss, the process looks in the database's figure store (kit/figures.py), where the
daily run's last step and the first process to compute a figure keep it for the data
version, before computing it itself.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from renewals.db import data_version
from renewals.kit.figures import MISSING, FigureStore, Memo

T = TypeVar("T")

MAX_ENTRIES = 512


@dataclass
class _Entry:
    version: int
    stored: float
    value: Any


@dataclass
class CacheStats:
    hits: int = 0
    misses: int = 0
    shared_hits: int = 0  # found in the figure store, computed by another process or the run


class PageCache:
    def __init__(
        self, seconds: float, max_entries: int = MAX_ENTRIES, store: FigureStore | None = None
    ) -> None:
        self.seconds = seconds
        self.store = store
        self.max_entries = max_entries
        self.stats = CacheStats()
        self._entries: OrderedDict[Hashable, _Entry] = OrderedDict()
        self._lock = threading.Lock()
        self._computing: dict[Hashable, threading.Lock] = {}

    def _fresh(self, key: Hashable, version: int) -> _Entry | None:
        entry = self._entries.get(key)
        if entry is None or entry.version != version:
            return None
        if time.monotonic() - entry.stored > self.seconds:
            return None
        self._entries.move_to_end(key)
        return entry

    def get(
        self,
        session: Session,
        key: Hashable,
        compute: Callable[[], T],
        *,
        shared: bool = False,
    ) -> T:
        """The kept value for `key` at the current data version, computing it if needed.
        `shared`: a figure for everyone (no user in it), looked up in and stored to the
        figure store too."""
        if self.seconds <= 0:
            return compute()
        version = data_version(session)
        with self._lock:
            entry = self._fresh(key, version)
            if entry is not None:
                self.stats.hits += 1
                return entry.value
            gate = self._computing.setdefault(key, threading.Lock())
        with gate:  # one computation per key; the others wait and then find it kept
            with self._lock:
                entry = self._fresh(key, version)
                if entry is not None:
                    self.stats.hits += 1
                    return entry.value
            store = self.store if shared else None
            value = store.read(session, key, version) if store else MISSING
            if value is not MISSING:
                with self._lock:
                    self.stats.shared_hits += 1
            else:
                with self._lock:
                    self.stats.misses += 1
                value = compute()
                if store and store.writes:
                    store.write(session, key, version, value)
            with self._lock:
                self._entries[key] = _Entry(version, time.monotonic(), value)
                self._entries.move_to_end(key)
                while len(self._entries) > self.max_entries:
                    self._entries.popitem(last=False)
                self._computing.pop(key, None)
            return value


def of(request: Any) -> PageCache:
    """The cache of the app serving this request (one per server process)."""
    return request.app.state.page_cache


def memo(request: Any, session: Session) -> Memo:
    """The memo for a page's book-wide figures: kept in this process and shared with the
    others through the figure store."""
    pages = of(request)

    def get(key: Hashable, compute: Callable[[], T]) -> T:
        return pages.get(session, key, compute, shared=True)

    return get
