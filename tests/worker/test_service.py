"""The worker against a real database: each due time runs once whichever worker gets there,
the lock keeps a second worker out, failures retry with backoff and alert once."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import Engine, select, update

from renewals.config import Settings
from renewals.db import session_scope
from renewals.worker.lock import job_lock
from renewals.worker.models import WorkerJob, WorkerLock, WorkerRun
from renewals.worker.service import (
    EPOCH,
    ScheduledJob,
    SimulatedClock,
    Worker,
    WorkerContext,
    job_states,
)
from renewals.worker.settings import WorkerSettings

START = datetime(2027, 1, 4, 0, 0, tzinfo=UTC)  # a Monday


def _settings(engine: Engine, tmp_path: Path) -> Settings:
    return Settings(database_url=str(engine.url), data_dir=tmp_path / "data")


def _jobs(ran: Counter[tuple[str, object]], lock: threading.Lock) -> list[ScheduledJob]:
    def daily(ctx: WorkerContext) -> str:
        with lock:
            ran[("daily", ctx.as_of)] += 1
        return f"day {ctx.as_of}"

    def hourly(ctx: WorkerContext) -> str:
        with lock:
            ran[("hourly", ctx.now.replace(minute=0, second=0, microsecond=0))] += 1
        return "ok"

    return [
        ScheduledJob(
            "test.daily", CronTrigger(hour=6, minute=0, timezone="Europe/Berlin"), daily, "6:00"
        ),
        ScheduledJob("test.hourly", IntervalTrigger(hours=1, start_date=EPOCH), hourly, "1 h"),
    ]


def test_two_workers_on_one_clock_run_each_due_time_once(engine: Engine, tmp_path: Path) -> None:
    ran: Counter[tuple[str, object]] = Counter()
    guard = threading.Lock()
    settings = _settings(engine, tmp_path)
    workers = [
        Worker(engine, settings, WorkerSettings(), jobs=_jobs(ran, guard), worker_id=f"w{i}")
        for i in (1, 2)
    ]
    end = START + timedelta(days=3)
    threads = [
        threading.Thread(target=w.run_forever, args=(SimulatedClock(START, end),)) for w in workers
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    days = sorted(k[1] for k in ran if k[0] == "daily")
    assert [str(d) for d in days] == ["2027-01-04", "2027-01-05", "2027-01-06"]
    assert set(ran.values()) == {1}, [k for k, v in ran.items() if v > 1]
    assert sum(1 for k in ran if k[0] == "hourly") == 3 * 24
    with session_scope(engine) as session:
        runs = session.scalars(select(WorkerRun).where(WorkerRun.job == "test.daily")).all()
        assert len(runs) == 3 and {r.status for r in runs} == {"ok"}
        # 06:00 in Berlin is 05:00 UTC in winter
        assert {r.scheduled_for.hour for r in runs} == {5}
        states = {s.name: s for s in job_states(session)}
    assert states["test.daily"].last_success_at is not None
    assert states["test.daily"].next_run_at == datetime(2027, 1, 7, 5, 0, tzinfo=UTC)


def test_a_job_whose_lock_is_held_elsewhere_is_left_to_that_worker(
    engine: Engine, tmp_path: Path
) -> None:
    ran: Counter[tuple[str, object]] = Counter()
    worker = Worker(
        engine, _settings(engine, tmp_path), jobs=_jobs(ran, threading.Lock()), worker_id="me"
    )
    worker.ensure_jobs(START)
    at = START + timedelta(hours=6)
    with job_lock(engine, "test.daily", holder="other", lease=timedelta(minutes=5)) as got:
        assert got
        results = worker.tick(at)
    assert [r.job for r in results] == ["test.hourly"]
    assert ("daily", at.date()) not in ran
    # The lock is free again: the same due time now runs, once.
    assert [r.job for r in worker.tick(at)] == ["test.daily"]
    assert worker.tick(at) == []


def test_a_failing_job_retries_with_backoff_then_alerts_the_admins_once(
    engine: Engine, tmp_path: Path
) -> None:
    alerts: list[tuple[str, str]] = []
    attempts: list[datetime] = []

    def broken(ctx: WorkerContext) -> str:
        attempts.append(ctx.now)
        raise RuntimeError("the warehouse is down")

    job = ScheduledJob("test.broken", CronTrigger(hour=6, minute=0, timezone="UTC"), broken, "6:00")
    worker = Worker(
        engine,
        _settings(engine, tmp_path),
        WorkerSettings(worker_retry_minutes="5,15"),
        jobs=[job],
        worker_id="w",
        alert=lambda _e, _s, name, detail: alerts.append((name, detail)),
    )
    worker.run_forever(SimulatedClock(START, START + timedelta(days=1, hours=6, minutes=1)))
    six = START + timedelta(hours=6)
    assert attempts == [
        six,
        six + timedelta(minutes=5),
        six + timedelta(minutes=20),
        six + timedelta(days=1),
    ]
    assert len(alerts) == 1 and alerts[0][0] == "test.broken"
    assert "the warehouse is down" in alerts[0][1] and "gave up" in alerts[0][1]
    with session_scope(engine) as session:
        row = session.get(WorkerJob, "test.broken")
        assert row is not None and row.last_status == "failed" and row.last_success_at is None
        runs = session.scalars(select(WorkerRun.attempt).order_by(WorkerRun.id)).all()
    assert runs == [1, 2, 3, 1]


def test_a_lock_row_left_by_a_killed_process_of_this_machine_is_taken_over(
    engine: Engine,
) -> None:
    if engine.dialect.name != "sqlite":
        return  # PostgreSQL's advisory locks end with the connection
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    corpse = f"{socket.gethostname()}:{dead.stdout.strip()}"
    alive = f"{socket.gethostname()}:{os.getpid()}"
    with job_lock(engine, "test.daily", holder=alive, lease=timedelta(hours=3)) as got:
        assert got
        # Held by a live process: refused.
        with job_lock(engine, "test.daily", holder="other:1", lease=timedelta(hours=3)) as other:
            assert not other
    with session_scope(engine) as session:
        session.execute(
            update(WorkerLock)
            .where(WorkerLock.name == "test.daily")
            .values(holder=corpse, expires_at=datetime.now(UTC) + timedelta(hours=3))
        )
    with job_lock(engine, "test.daily", holder="me:1", lease=timedelta(hours=3)) as got:
        assert got, "the dead process's lock was not taken over"
