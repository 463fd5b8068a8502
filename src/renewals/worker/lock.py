"""One lock per job, in the database, so that two workers never run the same job at once.

PostgreSQL: a session-level advisory lock on a connection held for the run; it ends
with the connection, so a worker that dies frees its jobs at once.
SQLite: a lock row per job taken with a conditional UPDATE and held until it is released,
its lease (RENEWALS_WORKER_LOCK_MINUTES, real time) runs out, or its holder (named
host:pid) is a process of this machine that no longer runs (killed mid-job).
"""

from __future__ import annotations

import hashlib
import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from sqlalchemy import Engine, or_, select, text, update
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from renewals.db import session_scope
from renewals.kit.time import utc_now
from renewals.worker.models import WorkerLock


def holder_name() -> str:
    """This process as a lock holder: host:pid."""
    return f"{socket.gethostname()}:{os.getpid()}"


def _gone(holder: str | None) -> bool:
    """Whether `holder` (host:pid) is a process of this machine that has ended."""
    host, _, pid = (holder or "").rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def advisory_key(name: str) -> int:
    """A stable signed 64-bit key for `name` (pg_advisory_lock takes a bigint)."""
    digest = hashlib.sha256(f"renewals.worker:{name}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


@contextmanager
def job_lock(engine: Engine, name: str, *, holder: str, lease: timedelta) -> Iterator[bool]:
    """Yield True while this worker holds `name`'s lock, False when another holds it."""
    if engine.dialect.name == "postgresql":
        with _advisory(engine, name) as got:
            yield got
        return
    with _lock_row(engine, name, holder=holder, lease=lease) as got:
        yield got


@contextmanager
def _advisory(engine: Engine, name: str) -> Iterator[bool]:
    key = advisory_key(name)
    conn = engine.connect()
    try:
        got = bool(conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar())
        conn.commit()
        try:
            yield got
        finally:
            if got:
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
                conn.commit()
    finally:
        conn.close()


@contextmanager
def _lock_row(engine: Engine, name: str, *, holder: str, lease: timedelta) -> Iterator[bool]:
    now = utc_now()
    with session_scope(engine) as session:
        session.execute(
            sqlite_insert(WorkerLock)
            .values(name=name, holder=None, expires_at=None)
            .on_conflict_do_nothing(index_elements=["name"])
        )
        current = session.scalar(select(WorkerLock.holder).where(WorkerLock.name == name))
        free = [WorkerLock.holder.is_(None), WorkerLock.expires_at < now]
        if current is not None and current != holder and _gone(current):
            free.append(WorkerLock.holder == current)  # killed mid-job: its lock is void
        taken = session.execute(
            update(WorkerLock)
            .where(WorkerLock.name == name, or_(*free))
            .values(holder=holder, expires_at=now + lease)
            .execution_options(synchronize_session=False)
        )
        got = taken.rowcount == 1  # type: ignore[attr-defined]
    try:
        yield got
    finally:
        if got:
            with session_scope(engine) as session:
                session.execute(
                    update(WorkerLock)
                    .where(WorkerLock.name == name, WorkerLock.holder == holder)
                    .values(holder=None, expires_at=None)
                    .execution_options(synchronize_session=False)
                )
