"""The worker's tables: each scheduled job's state, its run history, lock rows, heartbeats."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from renewals.db import Base, UTCDateTime


class WorkerJob(Base):
    """One scheduled job: when it runs next and how its last runs went.

    `next_run_at` is also the claim: a worker runs a job only after moving it forward with
    a conditional UPDATE (WHERE next_run_at = the value it read), inside the job's lock.
    """

    __tablename__ = "worker_job"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    schedule: Mapped[str] = mapped_column(String(200))
    next_run_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Failed attempts in a row; 0 after a success or after giving up (alerted).
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_status: Mapped[str | None] = mapped_column(String(16))
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_detail: Mapped[str | None] = mapped_column(Text)


class WorkerRun(Base):
    """One run of a scheduled job (history): who ran it, for which time, how it went."""

    __tablename__ = "worker_run"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    job: Mapped[str] = mapped_column(String(100), index=True)
    # The worker's clock when it ran the job (simulated with --clock) and its day (local).
    scheduled_for: Mapped[datetime] = mapped_column(UTCDateTime)
    ran_at: Mapped[datetime] = mapped_column(UTCDateTime)
    as_of: Mapped[date] = mapped_column(Date, index=True)
    attempt: Mapped[int] = mapped_column(Integer, default=1)
    worker: Mapped[str] = mapped_column(String(200))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16))
    detail: Mapped[str | None] = mapped_column(Text)


class WorkerLock(Base):
    """A lock row per job on SQLite (PostgreSQL uses advisory locks): held until `expires_at`."""

    __tablename__ = "worker_lock"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    holder: Mapped[str | None] = mapped_column(String(200))
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class WorkerHeartbeat(Base):
    """A running worker says it is alive every loop (`renewals doctor` checks it)."""

    __tablename__ = "worker_heartbeat"

    worker: Mapped[str] = mapped_column(String(200), primary_key=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The worker's own clock (differs from seen_at under --clock).
    clock_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
