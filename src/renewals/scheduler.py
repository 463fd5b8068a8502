"""The daily run: an ordered registry of named, idempotent jobs from the domains' jobs.py.

Each job runs in its own transaction and is recorded in `job_run`; re-running
the same `as_of` is safe because every job replaces or skips what it already did.
"""

from __future__ import annotations

import gc
import importlib
import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, Engine, Integer, String, Text, event, select, text
from sqlalchemy import func as sql
from sqlalchemy.orm import Mapped, Session, mapped_column

from renewals.config import Settings
from renewals.db import Base, UTCDateTime, session_scope
from renewals.kit import i18n
from renewals.kit.time import utc_now
from renewals.policy.domain import Policy

# Modules whose @job functions make up the daily run (ordered by each job's `order`).
JOB_MODULES = (
    "renewals.contract.jobs",
    "renewals.signal.jobs",
    "renewals.health.jobs",
    "renewals.renewal.jobs",
    "renewals.playbook.jobs",
    "renewals.save_plan.jobs",
    "renewals.escalation.jobs",
    "renewals.save_plan.aftercare_jobs",
    "renewals.winloss.jobs",
    "renewals.forecast.jobs",
    "renewals.contract_doc.jobs",
    "renewals.dashboard.jobs",
)


class JobRun(Base):
    __tablename__ = "job_run"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(100), index=True)
    as_of: Mapped[date] = mapped_column(Date, index=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16))
    detail: Mapped[str | None] = mapped_column(Text)


def first_day(session: Session) -> date | None:
    """The first day the daily run ran in this workspace (None before it ever ran): what
    fell due before it is history the workspace was not there for, not a task today."""
    return session.scalar(select(sql.min(JobRun.as_of)))


# A job reports its progress as (step, done, total); `renewals run` draws it as a bar with ETA.
Progress = Callable[[str, int, int], None]


def _quiet(step: str, done: int, total: int) -> None:
    return None


@dataclass(frozen=True)
class JobContext:
    session: Session
    policy: Policy
    as_of: date
    settings: Settings
    progress: Progress = _quiet
    # Issue 20: re-decide everything, not only what changed since the last run (the steps
    # that keep what they read: signal.scan_texts); a policy change does this by itself.
    full: bool = False


JobFunc = Callable[[JobContext], str]
_REGISTRY: dict[str, tuple[int, JobFunc]] = {}


def job(name: str, *, order: int) -> Callable[[JobFunc], JobFunc]:
    """Register a daily-run step as `<domain>.<verb>`; lower `order` runs first."""

    def register(func: JobFunc) -> JobFunc:
        _REGISTRY[name] = (order, func)
        return func

    return register


def jobs() -> dict[str, JobFunc]:
    """The registered jobs in run order."""
    for module in JOB_MODULES:
        importlib.import_module(module)
    ordered = sorted(_REGISTRY.items(), key=lambda item: (item[1][0], item[0]))
    return {name: func for name, (_, func) in ordered}


# The table an INSERT, UPDATE or DELETE statement writes to (SQLAlchemy's own SQL).
_WRITES = re.compile(r"^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+\"?(\w+)", re.IGNORECASE)


@contextmanager
def _tables_written(session: Session, into: set[str]) -> Iterator[None]:
    """Collect the tables the session's statements write to while the block runs."""

    def seen(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        match = _WRITES.match(statement)
        if match:
            into.add(match.group(1))

    engine = session.get_bind()
    event.listen(engine, "before_cursor_execute", seen)
    try:
        yield
    finally:
        event.remove(engine, "before_cursor_execute", seen)


def analyze(engine: Engine, tables: Iterable[str]) -> None:
    """Fresh planner statistics for the tables a bulk step just wrote (issues 20 and 23).

    The next job's queries, and the pages, are planned on them. PostgreSQL: on a new
    database, or after a step that wrote most of a table, the statistics autovacuum keeps
    would still say "empty" and the planner would pick nested loops over 100,000s of rows.
    SQLite keeps no statistics unless asked: without them it guesses, and a CSM's renewal
    list walked every open renewal by its stage index (27 ms) where the owner indexes find
    the CSM's 60 in under 1 ms (10,000 accounts). `analysis_limit` bounds SQLite's work per
    index (a sample, as PostgreSQL's ANALYZE takes), so this stays milliseconds at any size."""
    names = sorted(t for t in tables if t in Base.metadata.tables)
    if not names:
        return
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("ANALYZE " + ", ".join(f'"{n}"' for n in names)))
    elif engine.dialect.name == "sqlite":
        with engine.begin() as conn:
            conn.execute(text(f"PRAGMA analysis_limit = {SQLITE_ANALYSIS_LIMIT}"))
            for name in names:
                conn.execute(text(f'ANALYZE "{name}"'))


# Rows SQLite samples per index for its statistics (the pragma's own recommendation is
# 100-1000; product default, not a rule).
SQLITE_ANALYSIS_LIMIT = 1000


def never_analyzed(engine: Engine) -> list[str]:
    """The application's tables that hold rows but have no planner statistics yet (a bulk
    import just before the run, faster than PostgreSQL autovacuum's next look; SQLite
    never gathers them by itself)."""
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            rows = conn.execute(
                text(
                    "SELECT relname FROM pg_stat_user_tables WHERE schemaname = current_schema() "
                    "AND last_analyze IS NULL AND last_autoanalyze IS NULL"
                )
            ).scalars()
            return sorted(t for t in rows if t in Base.metadata.tables)
        if engine.dialect.name == "sqlite":
            has_stats = conn.execute(
                text("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_stat1'")
            ).first()
            analyzed = (
                set(conn.execute(text("SELECT DISTINCT tbl FROM sqlite_stat1")).scalars())
                if has_stats
                else set()
            )
            return sorted(t for t in Base.metadata.tables if t not in analyzed)
        return []


# The cyclic garbage collector's thresholds while the daily run runs (CPython's defaults are
# 700, 10, 10). The jobs allocate millions of small objects that reference counting frees
# (rows, features, decisions, reasons) and make few cycles; at the defaults the collector ran
# 9,229 young collections and 877 of the older generations in the 10,000-account book's next
# day (`run --full`), 8.7 s of its CPU; at these, 569 and 28: 1.9 s (issue 20). Product
# default, not a rule; the run's peak memory is the same (497-498 MiB).
RUN_GC_THRESHOLDS = (10_000, 20, 20)


@contextmanager
def fewer_collections(thresholds: tuple[int, int, int] = RUN_GC_THRESHOLDS) -> Iterator[None]:
    """Run the block with the collector's `thresholds`, then put back what was set."""
    before = gc.get_threshold()
    gc.set_threshold(*thresholds)
    try:
        yield
    finally:
        gc.set_threshold(*before)


@dataclass(frozen=True)
class JobOutcome:
    name: str
    status: str
    detail: str
    seconds: float = 0.0  # wall time of the step, as `renewals run` prints it


def run_all(
    engine: Engine,
    *,
    policy: Policy,
    as_of: date,
    settings: Settings,
    only: list[str] | None = None,
    on_done: Callable[[JobOutcome], None] | None = None,
    progress: Progress | None = None,
    full: bool = False,
) -> list[JobOutcome]:
    """Run every registered job for `as_of`, each in its own transaction; stop at a failure.

    `progress` receives (step, done, total) from the jobs that work through the book in
    account batches, and ("<job> (job k of n)", jobs done, jobs) as each job starts.
    `full`: every step re-reads everything, as on a first run (`renewals run --full`)."""
    with fewer_collections():
        return _run_all(engine, policy, as_of, settings, only, on_done, progress, full)


def _run_all(
    engine: Engine,
    policy: Policy,
    as_of: date,
    settings: Settings,
    only: list[str] | None,
    on_done: Callable[[JobOutcome], None] | None,
    progress: Progress | None,
    full: bool,
) -> list[JobOutcome]:
    outcomes = []
    selected = [(n, f) for n, f in jobs().items() if not only or n in only]
    report = progress or _quiet
    analyze(engine, never_analyzed(engine))
    for index, (name, func) in enumerate(selected):
        label = i18n.Text("{name} (job {k} of {n})", name=name, k=index + 1, n=len(selected))
        report(label, index, len(selected))
        started = utc_now()
        written: set[str] = set()
        try:
            with session_scope(engine) as session, _tables_written(session, written):
                detail = func(JobContext(session, policy, as_of, settings, report, full))
        except Exception as exc:
            # English as stored; printed with `tr`, the reason reads in the language when
            # it is a message of the catalogue (a RenewalsError's Text, read back)
            status = "failed"
            detail = i18n.Text("{error}: {reason}", error=type(exc).__name__, reason=str(exc))
        else:
            status = "ok"
            analyze(engine, written)
        finished = utc_now()
        outcome = JobOutcome(name, status, detail, (finished - started).total_seconds())
        with session_scope(engine) as session:
            session.add(
                JobRun(
                    name=name,
                    as_of=as_of,
                    started_at=started,
                    finished_at=finished,
                    status=outcome.status,
                    detail=outcome.detail,
                )
            )
        outcomes.append(outcome)
        if on_done:
            on_done(outcome)
        if outcome.status != "ok":
            break
    return outcomes
