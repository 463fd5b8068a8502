"""The worker: runs each scheduled job when it is due, once, whichever worker gets there.

1. Each job's trigger (APScheduler's CronTrigger / IntervalTrigger, so time zones, DST and
   intervals are the library's arithmetic) gives its next fire time; the worker_job row keeps
   it, so every worker sees the same schedule.
2. A due job is run under its database lock (lock.py) and only after the worker moved its
   next_run_at forward with a conditional UPDATE: of two workers only one runs a fire time.
3. The run is recorded in worker_run; a failure retries with backoff and, when the retries
   are used up, alerts the admins (domain.after_run, alerts.py).

Time comes from a clock: the real one, or a simulated one (`renewals worker --clock`) that
jumps from one due time to the next, so a week of schedule passes in seconds.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import Engine, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from renewals.config import Settings
from renewals.db import session_scope
from renewals.errors import RenewalsError
from renewals.kit.i18n import Text, joined
from renewals.kit.time import utc_now
from renewals.worker import domain
from renewals.worker.lock import holder_name, job_lock
from renewals.worker.models import WorkerHeartbeat, WorkerJob, WorkerRun
from renewals.worker.settings import WorkerSettings

log = logging.getLogger("renewals.worker")

# Interval triggers count from here, so every worker computes the same fire times.
EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


class JobFailed(Exception):
    """A job finished but did not do its work (e.g. a daily-run step failed)."""


@dataclass(frozen=True)
class WorkerContext:
    engine: Engine
    settings: Settings
    worker_settings: WorkerSettings
    now: datetime  # the worker's clock
    as_of: date  # the local day of `now` in RENEWALS_WORKER_TIMEZONE


JobRunner = Callable[[WorkerContext], str]


@dataclass(frozen=True)
class ScheduledJob:
    name: str
    trigger: BaseTrigger
    run: JobRunner
    describe: str


# --- the jobs ---------------------------------------------------------------------------


def run_daily(ctx: WorkerContext) -> str:
    """`renewals run` for the local day: every step of the daily job, in order."""
    from renewals.policy import service as policy_service
    from renewals.scheduler import run_all

    policy = policy_service.load(ctx.settings.policy_file)
    outcomes = run_all(ctx.engine, policy=policy, as_of=ctx.as_of, settings=ctx.settings)
    failed = [o for o in outcomes if o.status != "ok"]
    if failed:
        raise JobFailed(f"daily run for {ctx.as_of}: {failed[0].name} failed: {failed[0].detail}")
    return f"daily run for {ctx.as_of}: {len(outcomes)} steps ok"


def run_outbox(ctx: WorkerContext) -> str:
    """`renewals outbox send`: deliver the due messages once (TIME-5)."""
    from renewals.outbox import service as outbox_service
    from renewals.outbox.delivery import OutboxSettings, transports_from
    from renewals.policy import service as policy_service

    outbox = OutboxSettings()
    report = outbox_service.send_due(
        ctx.engine,
        policy=policy_service.load(ctx.settings.policy_file),
        transports=transports_from(outbox),
        now=ctx.now,
        settings=outbox,
    )
    return (
        f"sent {report.sent}, failed {report.failed}, dead {report.dead}, "
        f"uncertain {report.uncertain}, skipped {report.skipped}"
    )


def run_retrain(ctx: WorkerContext) -> str:
    """`renewals model train` (TECH-1); too little history is a skip, not a failure."""
    from renewals.forecast import learned
    from renewals.policy import service as policy_service

    policy = policy_service.load(ctx.settings.policy_file)
    try:
        with session_scope(ctx.engine) as session:
            run = learned.train(
                session,
                policy,
                data_dir=ctx.settings.data_dir,
                memory_limit=ctx.settings.duckdb_memory_limit,
                as_of=ctx.as_of,
            )
            return f"model #{run.model_id} trained on renewals closed before {ctx.as_of}"
    except RenewalsError as exc:
        return f"not retrained: {exc.message}"


def default_jobs(ws: WorkerSettings) -> list[ScheduledJob]:
    """The schedule from the settings: daily job, outbox, spool compaction, retraining."""
    zone = ZoneInfo(ws.worker_timezone)
    at = domain.parse_daily_at(ws.worker_daily_at)
    daily = CronTrigger(hour=at.hour, minute=at.minute, timezone=zone)
    jobs = [
        ScheduledJob(
            "daily.run", daily, run_daily, f"every day at {ws.worker_daily_at} {zone.key}"
        ),
        ScheduledJob(
            "outbox.send",
            IntervalTrigger(minutes=ws.worker_outbox_minutes, start_date=EPOCH),
            run_outbox,
            f"every {ws.worker_outbox_minutes} min",
        ),
        ScheduledJob(
            "model.retrain",
            IntervalTrigger(
                days=ws.worker_retrain_days,
                start_date=datetime(2000, 1, 1, at.hour, (at.minute + 30) % 60, tzinfo=zone),
            ),
            run_retrain,
            f"every {ws.worker_retrain_days} days, 30 min after the daily job",
        ),
        ScheduledJob(
            "source.compact",
            IntervalTrigger(seconds=ws.worker_ingest_seconds, start_date=EPOCH),
            _compact_spool,
            f"every {ws.worker_ingest_seconds} s",
        ),
        ScheduledJob(
            "source.sync",
            IntervalTrigger(minutes=ws.worker_sync_minutes, start_date=EPOCH),
            _sync_sources,
            f"every {ws.worker_sync_minutes} min",
        ),
    ]
    return jobs


def _sync_sources(ctx: WorkerContext) -> str:
    """Warehouse sources past their high-water marks (source/warehouse.py)."""
    from renewals.source import warehouse

    reports = warehouse.sync_all(
        ctx.engine, ctx.settings.data_dir, ctx.settings.duckdb_memory_limit
    )
    return "; ".join(r.summary() for r in reports) or "no warehouse sources"


def _compact_spool(ctx: WorkerContext) -> str:
    """Product events from the /v1 spool into the usage store (source/jobs.py)."""
    from renewals.source.jobs import compact_spool

    return compact_spool(ctx)


# --- clocks -----------------------------------------------------------------------------


class Clock(Protocol):
    simulated: bool

    def now(self) -> datetime: ...

    def sleep(self, seconds: float) -> bool:
        """Wait (or jump) `seconds`; False when the worker should stop."""
        ...


class RealClock:
    simulated = False

    def __init__(self, stop: threading.Event | None = None) -> None:
        self.stop = stop or threading.Event()

    def now(self) -> datetime:
        return utc_now()

    def sleep(self, seconds: float) -> bool:
        return not self.stop.wait(max(seconds, 0.0))


class SimulatedClock:
    """Time passed in, not waited for: each sleep jumps ahead; stops at `until`."""

    simulated = True

    def __init__(self, start: datetime, until: datetime) -> None:
        self.current = start
        self.until = until

    def now(self) -> datetime:
        return self.current

    def sleep(self, seconds: float) -> bool:
        self.current = min(self.current + timedelta(seconds=max(seconds, 1.0)), self.until)
        return self.current < self.until


# --- the worker -------------------------------------------------------------------------


@dataclass
class RunResult:
    job: str
    status: str
    detail: str


@dataclass
class Worker:
    engine: Engine
    settings: Settings
    worker_settings: WorkerSettings = field(default_factory=WorkerSettings)
    jobs: Sequence[ScheduledJob] | None = None
    worker_id: str = field(default_factory=holder_name)
    alert: Callable[[Engine, WorkerSettings, str, str], object] | None = None

    def __post_init__(self) -> None:
        if self.jobs is None:
            self.jobs = default_jobs(self.worker_settings)
        self.by_name = {j.name: j for j in self.jobs}
        self.retry_minutes = domain.parse_delays(self.worker_settings.worker_retry_minutes)
        self.zone = ZoneInfo(self.worker_settings.worker_timezone)
        self.started_at = utc_now()
        if self.alert is None:
            from renewals.worker.alerts import alert_admins

            self.alert = alert_admins

    def next_fire(self, job: ScheduledJob, after: datetime) -> datetime:
        """The job's first fire time strictly after `after`."""
        fire = job.trigger.get_next_fire_time(None, after + timedelta(microseconds=1))
        assert fire is not None, f"{job.name}'s trigger never fires again"
        return fire.astimezone(UTC)

    def ensure_jobs(self, now: datetime) -> None:
        """A row per job (inserted once, whichever worker is first); a changed schedule
        replaces the next run."""
        insert = pg_insert if self.engine.dialect.name == "postgresql" else sqlite_insert
        with session_scope(self.engine) as session:
            for job in self.jobs or ():
                session.execute(
                    insert(WorkerJob)
                    .values(
                        name=job.name,
                        schedule=job.describe,
                        next_run_at=self.next_fire(job, now - timedelta(microseconds=1)),
                        failures=0,
                    )
                    .on_conflict_do_nothing(index_elements=["name"])
                )
            for row in session.scalars(select(WorkerJob)):
                found = self.by_name.get(row.name)
                if found is not None and row.schedule != found.describe:
                    row.schedule = found.describe
                    row.next_run_at = self.next_fire(found, now - timedelta(microseconds=1))

    def heartbeat(self, now: datetime) -> None:
        insert = pg_insert if self.engine.dialect.name == "postgresql" else sqlite_insert
        seen = utc_now()
        with session_scope(self.engine) as session:
            session.execute(
                insert(WorkerHeartbeat)
                .values(
                    worker=self.worker_id, started_at=self.started_at, seen_at=seen, clock_at=now
                )
                .on_conflict_do_update(
                    index_elements=["worker"], set_={"seen_at": seen, "clock_at": now}
                )
            )

    def due(self, now: datetime) -> list[str]:
        with session_scope(self.engine) as session:
            return list(
                session.scalars(
                    select(WorkerJob.name)
                    .where(WorkerJob.next_run_at <= now, WorkerJob.name.in_(self.by_name))
                    .order_by(WorkerJob.next_run_at, WorkerJob.name)
                )
            )

    def next_due(self) -> datetime | None:
        with session_scope(self.engine) as session:
            return session.scalar(
                select(WorkerJob.next_run_at)
                .where(WorkerJob.name.in_(self.by_name))
                .order_by(WorkerJob.next_run_at)
                .limit(1)
            )

    def tick(self, now: datetime) -> list[RunResult]:
        """Run every job due at `now` that no other worker is running or has run."""
        results = []
        for name in self.due(now):
            result = self.run_one(name, now)
            if result is not None:
                results.append(result)
        return results

    def run_one(self, name: str, now: datetime) -> RunResult | None:
        """Run `name` once if it is still due and its lock is free; None if not this worker's."""
        job = self.by_name[name]
        lease = timedelta(minutes=self.worker_settings.worker_lock_minutes)
        with job_lock(self.engine, name, holder=self.worker_id, lease=lease) as got:
            if not got:
                return None
            claimed = self._claim(job, now)
            if claimed is None:
                return None
            run_id, failures = claimed
            as_of = now.astimezone(self.zone).date()
            ctx = WorkerContext(self.engine, self.settings, self.worker_settings, now, as_of)
            try:
                detail, ok = job.run(ctx), True
            except Exception as exc:  # any failure is recorded and retried, never raised
                log.exception("job %s failed", name)
                # English as stored; printed with `tr`, the reason reads in the language when
                # it is a message of the catalogue (a RenewalsError's Text, read back)
                reason = str(exc)[:4000]
                detail, ok = (
                    Text("{error}: {reason}", error=type(exc).__name__, reason=reason),
                    False,
                )
            decision = domain.after_run(
                ok=ok,
                failures=failures,
                now=now,
                regular_next=self.next_fire(job, now),
                retry_minutes=self.retry_minutes,
            )
            self._record(name, run_id, ok, detail, decision)
        if decision.alert and self.alert is not None:
            self.alert(
                self.engine, self.worker_settings, name, joined([detail, decision.reason], "\n\n")
            )
        return RunResult(name, "ok" if ok else "failed", detail)

    def _claim(self, job: ScheduledJob, now: datetime) -> tuple[int, int] | None:
        """Move the job's next run past `now` (conditionally) and open its history row."""
        with session_scope(self.engine) as session:
            row = session.get(WorkerJob, job.name)
            if row is None or row.next_run_at > now:
                return None  # another worker ran it meanwhile
            scheduled, failures = row.next_run_at, row.failures
            started = utc_now()
            moved = session.execute(
                update(WorkerJob)
                .where(WorkerJob.name == job.name, WorkerJob.next_run_at == scheduled)
                .values(
                    next_run_at=self.next_fire(job, now),
                    last_started_at=started,
                    last_status="running",
                )
                .execution_options(synchronize_session=False)
            )
            if moved.rowcount != 1:  # type: ignore[attr-defined]
                return None
            run = WorkerRun(
                job=job.name,
                scheduled_for=scheduled,
                ran_at=now,
                as_of=now.astimezone(self.zone).date(),
                attempt=failures + 1,
                worker=self.worker_id,
                started_at=started,
                status="running",
            )
            session.add(run)
            session.flush()
            return run.id, failures

    def _record(
        self, name: str, run_id: int, ok: bool, detail: str, decision: domain.AfterRun
    ) -> None:
        finished = utc_now()
        status = "ok" if ok else "failed"
        with session_scope(self.engine) as session:
            run = session.get(WorkerRun, run_id)
            if run is not None:
                run.status, run.detail, run.finished_at = status, detail, finished
            row = session.get(WorkerJob, name)
            if row is not None:
                row.next_run_at = decision.next_run_at
                row.failures = decision.failures
                row.last_finished_at = finished
                row.last_status = status
                row.last_detail = (
                    detail
                    if ok
                    else Text("{detail} ({reason})", detail=detail, reason=decision.reason)
                )
                if ok:
                    row.last_success_at = finished

    def run_forever(self, clock: Clock) -> None:
        """Loop: heartbeat, run what is due, sleep until the next due job (or heartbeat).

        A simulated clock jumps straight to the next due job: heartbeats say a worker is
        alive in real time, and a simulated week passes in a few real seconds."""
        self.ensure_jobs(clock.now())
        beat = self.worker_settings.worker_heartbeat_seconds
        while True:
            now = clock.now()
            try:
                self.heartbeat(now)
                for result in self.tick(now):
                    log.info("%s %s: %s", result.status, result.job, result.detail)
                upcoming = self.next_due()
            except OperationalError as exc:
                if clock.simulated:
                    raise
                # The database is away (restart, network): keep trying, never die quietly.
                log.error("worker loop: the database did not answer: %s", exc)
                upcoming = None
            wait = beat if upcoming is None else (upcoming - clock.now()).total_seconds()
            if not clock.simulated:
                wait = min(wait, beat)
            if not clock.sleep(max(wait, 0.0)):
                break


# --- what `renewals status` and the admin page show -------------------------------------


@dataclass(frozen=True)
class JobState:
    name: str
    schedule: str
    next_run_at: datetime
    last_status: str | None
    last_success_at: datetime | None
    last_finished_at: datetime | None
    failures: int
    last_detail: str | None


def job_states(session: Session) -> list[JobState]:
    """Each scheduled job: schedule, next run, last status and last success."""
    return [
        JobState(
            r.name,
            r.schedule,
            r.next_run_at,
            r.last_status,
            r.last_success_at,
            r.last_finished_at,
            r.failures,
            r.last_detail,
        )
        for r in session.scalars(select(WorkerJob).order_by(WorkerJob.name))
    ]


def history(session: Session, *, job: str | None = None, limit: int = 50) -> list[WorkerRun]:
    """The newest runs (of one job, if named)."""
    query = select(WorkerRun).order_by(WorkerRun.id.desc()).limit(limit)
    if job:
        query = query.where(WorkerRun.job == job)
    return list(session.scalars(query))


def heartbeats(session: Session) -> list[WorkerHeartbeat]:
    """Workers that reported, most recently seen first."""
    return list(session.scalars(select(WorkerHeartbeat).order_by(WorkerHeartbeat.seen_at.desc())))


def as_dict(state: JobState) -> dict[str, Any]:
    return {
        "name": state.name,
        "schedule": state.schedule,
        "next_run_at": state.next_run_at.isoformat(),
        "last_status": state.last_status,
        "last_success_at": state.last_success_at and state.last_success_at.isoformat(),
        "failures": state.failures,
        "last_detail": state.last_detail,
    }
